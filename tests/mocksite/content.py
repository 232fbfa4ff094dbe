"""Ground truth of the mock news site: every article it can serve, with its metadata.

Everything here is fixed data (no randomness, no clock): the server renders its pages
from these records and the tests compare an archive against them. Fourteen stories are
published on six days between Monday 2024-03-04 and Friday 2024-03-15; one more story
is dated a month earlier (2024-02-05) and is reachable only from a category listing and
the sitemap; one is listed everywhere but its page was deleted (404).

Each article carries:
  slug, path ("/<slug>/"), number (the WordPress post ID behind /?p=N), title, authors,
  published / modified (ISO 8601 with the New York offset of that day), categories, tags,
  paragraphs (text = paragraphs joined by blank lines), and how it is served:
  meta     "jsonld"  JSON-LD NewsArticle + og:/article: meta tags
           "graph"   the same, but wrapped in a Yoast-style {"@graph": [...]} with the Person apart
           "og"      only og:/article: meta tags (author in <meta name="author">)
           "byline"  no structured author at all, a "By Jane Doe, Senior Reporter" line
  charset  "utf-8", or "windows-1252" (sent as bare "text/html", charset only in <meta http-equiv>)
  fault    None, "429" / "503" (first request only), "chunked", "slow"
  deleted  listed but answers 404
  hidden   outside the fortnight: only in /category/... and the sitemap
  revised_after_days / update: from published + N days on, an update paragraph is appended
  requisites  the page's own images (lead sizes, <picture>, inline-style and <style> images, the
           video poster / base-href image where there is one; see requisites.py)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SITE_NAME = "Mock Courthouse News"
FORTNIGHT = (dt.date(2024, 3, 4), dt.date(2024, 3, 15))
DEFAULT_TODAY = dt.date(2024, 3, 15)


def ny_offset(day: dt.date) -> str:
    """UTC offset of New York on a day (US DST began 2024-03-10, 2 a.m.)."""
    return "-04:00" if day >= dt.date(2024, 3, 10) else "-05:00"


@dataclass(frozen=True)
class Article:
    slug: str
    number: int
    date: dt.date
    time: str                    # HH:MM local (New York)
    title: str
    authors: tuple
    categories: tuple
    tags: tuple
    paragraphs: tuple
    meta: str = "jsonld"
    charset: str = "utf-8"
    fault: str | None = None
    deleted: bool = False
    hidden: bool = False
    dek: str = ""
    revised_after_days: int | None = None
    update: str = ""
    modified_time: str | None = None   # HH:MM local, same day, if edited after publication

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

    @property
    def url_path(self) -> str:
        return self.path

    @property
    def published(self) -> str:
        return f"{self.date.isoformat()}T{self.time}:00{ny_offset(self.date)}"

    @property
    def published_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.published)

    @property
    def revised_on(self) -> dt.date | None:
        if self.revised_after_days is None:
            return None
        return self.date + dt.timedelta(days=self.revised_after_days)

    def is_revised(self, today: dt.date) -> bool:
        return self.revised_on is not None and today >= self.revised_on

    def modified(self, today: dt.date) -> str:
        """dateModified as served on `today` (ISO 8601)."""
        if self.is_revised(today):
            day = self.revised_on
            return f"{day.isoformat()}T16:20:00{ny_offset(day)}"
        return f"{self.date.isoformat()}T{self.modified_time or self.time}:00{ny_offset(self.date)}"

    def modified_dt(self, today: dt.date) -> dt.datetime:
        return dt.datetime.fromisoformat(self.modified(today))

    def body_paragraphs(self, today: dt.date) -> list:
        paras = list(self.paragraphs)
        if self.is_revised(today):
            paras.append(self.update)
        return paras

    @property
    def text(self) -> str:
        """Body text as first published (paragraphs separated by a blank line)."""
        return "\n\n".join(self.paragraphs)

    def text_on(self, today: dt.date) -> str:
        return "\n\n".join(self.body_paragraphs(today))

    @property
    def requisites(self) -> list:
        """Same-site requisites the article page needs besides requisites.SHARED_REQUISITES."""
        from .requisites import article_requisites
        return article_requisites(self)

    def truth(self) -> dict:
        return {"slug": self.slug, "path": self.path, "number": self.number, "title": self.title,
                "authors": list(self.authors), "published": self.published,
                "date": self.date.isoformat(), "categories": list(self.categories),
                "tags": list(self.tags), "text": self.text, "deleted": self.deleted,
                "hidden": self.hidden, "fault": self.fault, "meta": self.meta,
                "charset": self.charset,
                "revised_on": self.revised_on.isoformat() if self.revised_on else None}


AUTHORS = {
    "Maria Delgado": "maria-delgado",
    "Tom Whitfield": "tom-whitfield",
    "Nadia Petrova": "nadia-petrova",
    "Priya Raman": "priya-raman",
    "Daniel Okafor": "daniel-okafor",
    "Luc Moreau": "luc-moreau",
    "Jane Doe": "jane-doe",
}

CATEGORIES = {
    "Courts": "courts",
    "Government": "government",
    "Business": "business",
    "Environment": "environment",
    "International": "international",
    "Criminal": "criminal",
    "Science": "science",
}


def slugify(name: str) -> str:
    out = []
    for ch in name.lower():
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))


def author_slug(name: str) -> str:
    return AUTHORS.get(name) or slugify(name)


def category_slug(name: str) -> str:
    return CATEGORIES.get(name) or slugify(name)


ARTICLES = [
    # ---- Monday, March 4, 2024 ------------------------------------------------------
    Article(
        slug="federal-judge-blocks-kazakhstan-pipeline-seizure",
        number=1172031, date=dt.date(2024, 3, 4), time="09:12",
        title="Federal judge blocks Kazakhstan pipeline seizure pending arbitration",
        dek="A Houston energy company may keep its stake in a Caspian pipeline while an arbitration panel in Stockholm hears the dispute.",
        authors=("Maria Delgado",), categories=("Courts", "International"),
        tags=("arbitration", "energy", "Kazakhstan"), meta="jsonld", fault="429",
        paragraphs=(
            "HOUSTON (CN) — A federal judge on Monday barred the Republic of Kazakhstan from seizing a Houston company's stake in a Caspian Sea oil pipeline until an international arbitration panel decides who owns it.",
            "U.S. District Judge Alma Reyes granted a preliminary injunction sought by Tengiz Midstream Holdings, which says the government in Astana tried to nationalize its 30% interest in the pipeline after a dispute over export tariffs in late 2023.",
            "\"The balance of hardships tips sharply in favor of preserving the status quo,\" Reyes wrote in a 22-page order. \"Once the asset is transferred to a state enterprise, no award in Stockholm could practically restore it.\"",
            "Lawyers for Kazakhstan argued that the court lacked jurisdiction under the Foreign Sovereign Immunities Act and that the pipeline's operating company is incorporated in Almaty, not Texas. Reyes found the commercial activity exception likely applies because the tariff payments were wired through New York banks.",
            "The arbitration, brought under the Energy Charter Treaty, is scheduled for hearings in Stockholm in September. Kazakhstan withdrew from parts of the treaty last year but the company says its investment predates the withdrawal.",
            "A spokesperson for the Kazakh embassy in Washington did not respond to a request for comment. Tengiz Midstream's attorney, Gregory Lanham, said the company was \"gratified that the court recognized the irreparable harm of an expropriation.\"",
        )),
    Article(
        slug="sturgeon-poaching-ring-indicted-caviar-smuggling",
        number=1172044, date=dt.date(2024, 3, 4), time="11:40",
        title="Sturgeon poaching ring indicted on caviar smuggling charges",
        dek="Prosecutors say the group took white sturgeon from the Columbia River and sold the roe as imported caviar.",
        authors=("Tom Whitfield", "Nadia Petrova"), categories=("Criminal", "Environment"),
        tags=("wildlife", "Lacey Act", "sturgeon"), meta="og",
        paragraphs=(
            "PORTLAND, Ore. (CN) — A federal grand jury indicted seven people on charges they poached white sturgeon from the Columbia River and sold the roe to restaurants as imported Caspian caviar, prosecutors announced Monday.",
            "The 31-count indictment accuses the group of violating the Lacey Act, which makes it a crime to sell wildlife taken in violation of state law. Oregon and Washington have banned the retention of white sturgeon on most of the lower river since 2014.",
            "According to the indictment, members of the ring set illegal gillnets at night near Bonneville Dam, harvested eggs from gravid females and discarded the carcasses. Investigators said they recovered more than 90 kilograms of roe from a rented freezer in Vancouver, Washington.",
            "The defendants relabeled the tins with counterfeit import stamps and sold them for as much as $150 an ounce, prosecutors said. Fish and Wildlife Service agents made undercover purchases over eight months.",
            "\"These fish can live for a century and do not spawn until they are well into their teens,\" said Acting U.S. Attorney Karen Voss. \"Every female taken illegally is a loss to the river for decades.\"",
            "Arraignments are set for March 18. If convicted, each defendant faces up to five years in prison on each felony count.",
        )),
    Article(
        slug="cafe-owners-sue-city-over-sidewalk-dining-ban",
        number=1172058, date=dt.date(2024, 3, 4), time="15:05",
        title="Café owners sue city over sidewalk dining ban",
        dek="Restaurateurs in Providence say a new ordinance singles out small businesses on Federal Hill.",
        authors=("Luc Moreau",), categories=("Government",),
        tags=("restaurants", "ordinance", "First Amendment"), meta="graph",
        paragraphs=(
            "PROVIDENCE, R.I. (CN) — A group of café and bistro owners sued the city of Providence on Monday, claiming its new ban on sidewalk dining along Atwells Avenue violates their due process and equal protection rights.",
            "The ordinance, passed by the City Council in January, prohibits outdoor tables on sidewalks narrower than eight feet. The plaintiffs say the measure falls almost entirely on the Federal Hill neighborhood, where the sidewalks were never widened.",
            "\"Our crêpes and espresso have been served on that sidewalk since 1987,\" said Thérèse Amaral, owner of Café Lisboa, one of nine businesses named as plaintiffs. \"Nobody ever tripped over a chair.\"",
            "The complaint, filed in Rhode Island Superior Court, says the council ignored a traffic engineer's report concluding that pedestrian access was adequate with a four-foot clear path. It asks for a declaratory judgment and an injunction before the summer season.",
            "City Solicitor Mark Feeney said the ordinance was a reasonable safety measure adopted after complaints from wheelchair users and that the city would defend it.",
        )),
    # ---- Tuesday, March 5, 2024 -----------------------------------------------------
    Article(
        slug="bankruptcy-judge-weighs-retail-chain-plan-landlord-objections",
        number=1172107, date=dt.date(2024, 3, 5), time="10:30",
        title="Bankruptcy judge weighs retail chain's plan over landlord objections",
        dek="Landlords of 140 shuttered stores say the reorganization plan shortchanges them on rejected leases.",
        authors=("Priya Raman",), categories=("Business", "Courts"),
        tags=("bankruptcy", "Chapter 11", "retail"), meta="og", fault="503",
        paragraphs=(
            "WILMINGTON, Del. (CN) — A bankruptcy judge on Tuesday heard hours of objections from shopping mall landlords to the reorganization plan of Harbor & Vine, the home goods chain that filed for Chapter 11 protection in November.",
            "The plan would hand control of the company to its term lenders, close 140 of its 410 stores and pay general unsecured creditors between 3 and 6 cents on the dollar. Landlords say the company undervalued their claims for rejected leases.",
            "\"The debtor is asking this court to bless a valuation that was reverse-engineered to wipe out everyone below the lenders,\" said attorney Rachel Stern, who represents a coalition of 23 property owners.",
            "Counsel for the debtor told U.S. Bankruptcy Judge Owen Gallagher that the plan was the product of months of mediation and that the creditors' committee supports it. Without confirmation, he said, the chain would be forced into liquidation and its 6,200 employees would lose their jobs.",
            "Gallagher said he would rule by the end of next week. He questioned both sides closely about a third-party release that would shield the company's former directors from lawsuits.",
        )),
    Article(
        slug="state-senate-passes-bill-capping-insulin-copays",
        number=1172119, date=dt.date(2024, 3, 5), time="17:45",
        title="State senate passes bill capping insulin copays at $35",
        dek="The measure now heads to the House, where a similar bill died last session.",
        authors=("Daniel Okafor", "Maria Delgado"), categories=("Government",),
        tags=("health care", "insulin", "legislature"), meta="jsonld", fault="chunked",
        paragraphs=(
            "SPRINGFIELD, Ill. (CN) — The Illinois Senate voted 41-15 on Tuesday to cap out-of-pocket costs for insulin at $35 for a 30-day supply, extending the limit to plans regulated by the state that the current law does not reach.",
            "Sponsors said about 90,000 residents with diabetes would benefit. The bill also requires pharmacies to dispense an emergency supply of insulin once a year without a new prescription.",
            "\"No one in this state should have to ration a drug that was discovered a hundred years ago,\" said state Senator Lena Hoffman, a Chicago Democrat who sponsored the measure.",
            "Insurance industry groups opposed the bill, arguing that the cap shifts costs to premiums paid by every policyholder. An amendment to delay the effective date until 2026 failed on a voice vote.",
            "The measure goes to the House, where a version passed committee last year but never received a floor vote. Governor's office staff said he would sign it in its current form.",
        )),
    # ---- Thursday, March 7, 2024 ----------------------------------------------------
    Article(
        slug="appeals-court-revives-wildfire-smoke-lawsuit-vineyards",
        number=1172240, date=dt.date(2024, 3, 7), time="08:50",
        title="Appeals court revives wildfire smoke lawsuit by Sonoma vineyards",
        dek="Growers say a utility's power lines sparked a fire whose smoke tainted an entire Zinfandel harvest.",
        authors=("Jane Doe",), categories=("Courts", "Environment"),
        tags=("wildfire", "utilities", "wine"), meta="byline", fault="slow",
        paragraphs=(
            "SAN FRANCISCO (CN) — A California appeals court on Thursday revived a lawsuit by 14 Sonoma County vineyards that say smoke from a 2020 wildfire tainted their Zinfandel grapes and made them impossible to sell.",
            "A trial judge had dismissed the growers' inverse condemnation claims, finding that smoke damage to a crop was too remote from the utility's equipment. The First District Court of Appeal disagreed in a 3-0 opinion.",
            "\"A vineyard is real property, and the grapes hanging on the vine at harvest are part of it,\" Justice Helen Marsh wrote. \"Whether smoke taint is a physical invasion is a question for the trier of fact.\"",
            "The growers say laboratory tests found guaiacol and other volatile phenols at levels that make wine taste like an ashtray, and that wineries canceled contracts for more than 2,000 tons of fruit.",
            "The utility argued that extending liability to smoke would expose it to claims from every farm in the region each fire season. It has not said whether it will seek review by the California Supreme Court.",
        )),
    Article(
        slug="coast-guard-lighthouse-sale-challenged-federal-court",
        number=1172253, date=dt.date(2024, 3, 7), time="12:15",
        title="Coast Guard’s lighthouse sale challenged in federal court",
        dek="A preservation society says the auction of a 19th-century light station skipped a required review.",
        authors=("Tom Whitfield",), categories=("Government", "Courts"),
        tags=("historic preservation", "lighthouses", "Maine"), meta="og", charset="windows-1252",
        paragraphs=(
            "PORTLAND, Maine (CN) — A preservation society sued the federal government on Thursday to stop the auction of the Pemaquid Ledge lighthouse, saying the Coast Guard skipped a review required by the National Historic Preservation Act.",
            "The 1857 granite tower and keeper’s cottage were declared excess property last year. Under the National Historic Lighthouse Preservation Act, nonprofit groups and towns get the first chance to take over such stations at no cost before they are sold.",
            "“They held a sale before they ever answered our application,” said Eloïse Bergeron, president of the Friends of Pemaquid Ledge. “A lighthouse is not a surplus filing cabinet — it’s a public trust.”",
            "The complaint says the General Services Administration listed the station with a minimum bid of €0 in a mistaken posting on a European auction site before correcting it to $250,000, evidence the society says shows the process was rushed.",
            "A Coast Guard spokesperson said the agency does not comment on pending litigation. The auction had been scheduled to close March 20.",
        )),
    Article(
        slug="jury-awards-whistleblower-hospital-billing-case",
        number=1172266, date=dt.date(2024, 3, 7), time="16:02",
        title="Jury awards $4 million to whistleblower in hospital billing case",
        dek="A former coding supervisor said she was fired after reporting inflated Medicare claims.",
        authors=("Nadia Petrova",), categories=("Courts",),
        tags=("False Claims Act", "Medicare", "whistleblower"), meta="jsonld",
        paragraphs=(
            "ATLANTA (CN) — A federal jury on Thursday awarded $4 million to a former billing supervisor who said a hospital chain fired her for reporting that it inflated Medicare claims.",
            "Denise Harlow worked for nine years at Peachtree Regional Health before she was terminated in 2021. She testified that she told compliance officers that coders were being pressured to add diagnoses for sepsis and malnutrition that patients' charts did not support.",
            "Jurors found that the hospital retaliated against her in violation of the False Claims Act, which protects employees who try to stop fraud on the government. The award includes double back pay and compensatory damages.",
            "\"She did exactly what the law asks people to do,\" her attorney Marcus Bell told jurors in closing arguments. \"She raised her hand.\"",
            "Peachtree Regional said in a statement that it disagreed with the verdict and would consider an appeal. A separate qui tam suit over the billing practices remains under seal.",
        )),
    Article(
        slug="mayors-aide-charged-parking-ticket-scheme",
        number=1172279, date=dt.date(2024, 3, 7), time="18:30",
        title="Mayor's aide charged in parking ticket scheme",
        dek="This story was withdrawn.",
        authors=("Daniel Okafor",), categories=("Criminal",),
        tags=("corruption",), meta="og", deleted=True,
        paragraphs=(
            "This article was removed after publication.",
        )),
    # ---- Monday, March 11, 2024 -----------------------------------------------------
    Article(
        slug="eu-regulators-fine-shipping-firm-ballast-water",
        number=1172390, date=dt.date(2024, 3, 11), time="07:55",
        title="EU regulators fine shipping firm over ballast water discharge",
        dek="The Commission says untreated ballast water carried invasive crabs into the port of Rotterdam.",
        authors=("Luc Moreau",), categories=("International", "Environment"),
        tags=("European Union", "shipping", "invasive species"), meta="jsonld",
        paragraphs=(
            "BRUSSELS (CN) — The European Commission on Monday fined a Cyprus-based shipping company 18 million euros for discharging untreated ballast water into the port of Rotterdam, the first penalty of its kind under the bloc's maritime rules.",
            "Inspectors said four of the company's bulk carriers pumped out ballast taken on in the Yellow Sea without running it through the onboard treatment systems required since 2017. Samples contained larvae of the Asian shore crab and several species of toxic algae.",
            "\"Ballast tanks are one of the main highways for invasive species,\" the environment commissioner told reporters. \"Operators who switch off their treatment plants to save fuel are exporting the cost to our coasts.\"",
            "The company, Meridian Bulk Carriers, said the treatment systems had malfunctioned and that crews had logged the failures as required. It plans to appeal to the General Court in Luxembourg.",
            "Dutch port authorities have spent more than 2 million euros since 2022 removing crab colonies from quay walls in the Maasvlakte terminals, according to the decision.",
            "Environmental groups welcomed the fine but said enforcement remains uneven across member states, with few inspections in Mediterranean ports.",
        )),
    Article(
        slug="tribal-nation-wins-water-rights-ruling-colorado-river-tributary",
        number=1172403, date=dt.date(2024, 3, 11), time="13:20",
        title="Tribal nation wins water rights ruling on Colorado River tributary",
        dek="A special master found the tribe's reserved rights date to an 1868 treaty.",
        authors=("Priya Raman", "Tom Whitfield"), categories=("Courts",),
        tags=("water rights", "tribes", "Colorado River"), meta="og",
        paragraphs=(
            "PHOENIX (CN) — A special master in Arizona's long-running water adjudication ruled Monday that a tribal nation holds reserved rights to 42,000 acre-feet a year from a Colorado River tributary, with a priority date of 1868.",
            "The recommendation, which still must be adopted by the adjudication court, would put the tribe ahead of nearly every farm and city that draws from the Little Colorado basin.",
            "The special master rejected arguments by irrigation districts that the tribe's rights should be limited to the acreage it farmed in the 19th century. \"A homeland is not a museum,\" she wrote. \"The purpose of the reservation includes the needs of its people today.\"",
            "Tribal leaders called the ruling a vindication after four decades of litigation. The irrigation districts said they would file objections within the 60-day period.",
            "The decision comes as the seven Colorado River states negotiate new operating rules for the river after 2026, with federal officials warning that deeper cuts may be needed if the drought continues.",
        )),
    # ---- Wednesday, March 13, 2024 --------------------------------------------------
    Article(
        slug="judge-questions-ftc-pickleball-paddle-merger",
        number=1172511, date=dt.date(2024, 3, 13), time="10:05",
        title="Judge questions FTC over merger of top pickleball paddle makers",
        dek="Regulators say the deal would give one company 60% of the market for tournament-grade paddles.",
        authors=("Maria Delgado",), categories=("Business", "Courts"),
        tags=("antitrust", "FTC", "pickleball"), meta="jsonld",
        revised_after_days=2,
        update="Update, March 15: After this story was published, the Federal Trade Commission filed a notice saying it had reached a tentative settlement requiring the divestiture of one paddle brand; the hearing was postponed.",
        paragraphs=(
            "WASHINGTON (CN) — A federal judge pressed Federal Trade Commission lawyers on Wednesday to explain how a merger of the two largest makers of pickleball paddles could harm consumers in a sport where new brands appear every month.",
            "The FTC sued in January to block Dinkworks' $310 million acquisition of Kitchen Line Sports, saying the combined company would control 60% of sales of paddles approved for sanctioned tournaments.",
            "\"I went to a sporting goods store last weekend and counted 40 paddle brands on the wall,\" U.S. District Judge Harold Kim said. \"Why is that not a competitive market?\"",
            "Agency lawyers responded that most of those brands buy their carbon-fiber faces from the two merging companies, and that certification testing creates a barrier for newcomers. An economist for the FTC testified that prices for premium paddles could rise by 8%.",
            "The hearing on the preliminary injunction is expected to last three days. Dinkworks has said it will abandon the deal if the injunction is granted.",
        )),
    Article(
        slug="prison-telephone-rates-face-new-limits-fcc-order",
        number=1172524, date=dt.date(2024, 3, 13), time="14:48",
        title="Prison telephone rates face new limits under FCC order",
        dek="Families of incarcerated people have paid as much as $1 a minute for calls.",
        authors=("Daniel Okafor",), categories=("Government",),
        tags=("FCC", "prisons", "telecommunications"), meta="og", modified_time="15:30",
        paragraphs=(
            "WASHINGTON (CN) — The Federal Communications Commission proposed on Wednesday to cut the rates that incarcerated people and their families pay for telephone and video calls, acting on a law Congress passed in 2022.",
            "Under the proposal, audio calls from large jails and prisons would cost no more than 6 cents a minute, down from caps of 14 to 21 cents, and providers could no longer charge separate fees for opening accounts or depositing money.",
            "\"For too long, families have had to choose between paying the electric bill and hearing the voice of a parent behind bars,\" the FCC chair said in a statement.",
            "Telecommunications providers that hold exclusive contracts with correctional facilities argued in filings that the lower caps would not cover security features such as call recording and keyword monitoring that sheriffs require.",
            "Public comments are due in 30 days. Advocates said the agency should also bar the site commissions that providers pay to counties, which can exceed half of call revenue.",
        )),
    # ---- Friday, March 15, 2024 -----------------------------------------------------
    Article(
        slug="astronomers-lawsuit-satellite-glare-dismissed",
        number=1172638, date=dt.date(2024, 3, 15), time="09:35",
        title="Astronomers' lawsuit over satellite glare dismissed for lack of standing",
        dek="A judge said observatories could not trace their injuries to the specific license they challenged.",
        authors=("Nadia Petrova", "Luc Moreau"), categories=("Courts", "Science"),
        tags=("astronomy", "satellites", "standing"), meta="jsonld",
        paragraphs=(
            "WASHINGTON (CN) — A federal judge on Friday dismissed a lawsuit by a coalition of astronomers who claimed that the FCC failed to consider how the glare of thousands of new satellites would ruin telescope observations.",
            "The astronomers said streaks from low-orbit satellites already cross a large share of long-exposure images taken at observatories in Arizona and the Atacama Desert in Chile, and that a license for 7,500 more spacecraft would make some surveys impossible.",
            "U.S. District Judge Patricia Young found that the coalition had not shown its injuries were fairly traceable to the particular license it challenged, as opposed to satellites already in orbit or launched by other operators.",
            "\"The court does not doubt that the night sky is changing,\" Young wrote. \"But Article III requires more than a changing sky.\"",
            "The coalition said it would consider petitioning the FCC directly to require environmental review under the National Environmental Policy Act, which the agency has long said does not apply to satellite licenses.",
        )),
    Article(
        slug="grand-jury-indicts-former-county-clerk-ballot-printing",
        number=1172651, date=dt.date(2024, 3, 15), time="16:10",
        title="Grand jury indicts former county clerk in ballot-printing contract probe",
        dek="Prosecutors say the clerk steered a no-bid contract to a printer owned by a college roommate.",
        authors=("Tom Whitfield",), categories=("Criminal", "Government"),
        tags=("elections", "corruption", "grand jury"), meta="og",
        paragraphs=(
            "MILWAUKEE (CN) — A grand jury on Friday indicted a former county clerk on charges that she steered a no-bid ballot-printing contract worth $1.2 million to a company owned by her college roommate.",
            "The indictment says the clerk split the work into a dozen purchase orders, each just below the $100,000 threshold that requires competitive bidding, and approved invoices for envelopes that were never delivered.",
            "She faces counts of misconduct in public office and theft by fraud. Her attorney said she would plead not guilty and that every ballot in the county was printed correctly and on time.",
            "Election officials stressed that the case involves procurement, not vote counting. \"No one has suggested that a single ballot was altered,\" the county's current clerk said.",
            "The printer's owner was charged separately with making false statements to investigators. A hearing is set for April 2.",
        )),
    # ---- outside the fortnight: only in a category listing and the sitemap ----------
    Article(
        slug="beekeepers-challenge-pesticide-registration-eighth-circuit",
        number=1168802, date=dt.date(2024, 2, 5), time="11:00",
        title="Beekeepers challenge pesticide registration in Eighth Circuit",
        dek="Commercial beekeepers say the EPA ignored evidence that a neonicotinoid kills colonies.",
        authors=("Priya Raman",), categories=("Courts", "Environment"),
        tags=("EPA", "pesticides", "bees"), meta="jsonld", hidden=True,
        paragraphs=(
            "ST. LOUIS (CN) — Commercial beekeepers asked the Eighth Circuit on Monday to vacate the EPA's renewed registration of a neonicotinoid insecticide, arguing the agency ignored field studies linking it to colony collapse.",
            "The petition says the agency relied on industry-funded studies of single bees in laboratories rather than on hive-level data from almond orchards and soybean fields, where beekeepers lost up to 40% of their colonies over the winter.",
            "\"Our hives are dying in the fields where this chemical is sprayed,\" said one of the petitioners, a third-generation beekeeper from Minnesota who trucks 3,000 hives to California each spring.",
            "The EPA has said the registration includes new label restrictions on spraying during bloom. Manufacturers are expected to intervene to defend it.",
        )),
]

BY_SLUG = {a.slug: a for a in ARTICLES}
BY_NUMBER = {a.number: a for a in ARTICLES}


def expected(since: dt.date = FORTNIGHT[0], until: dt.date = FORTNIGHT[1],
             today: dt.date = DEFAULT_TODAY) -> list:
    """Articles a correct crawl of [since, until] on `today` should archive (not deleted, published)."""
    return [a for a in ARTICLES
            if not a.deleted and since <= a.date <= until and a.date <= today]
