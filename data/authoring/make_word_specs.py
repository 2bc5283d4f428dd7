"""Author the invented-word spec files in data/.

Run once by hand; its outputs are committed and are the benchmark's source of truth:
    python data/authoring/make_word_specs.py

`rare_words.yaml` (the default list) and `heldout_words.yaml` share no domain, no sentence
template and no syllable, so the held-out list measures how the method does on words nobody
tuned it for. Each word gets a definition and six usage sentences that all contain the word.
"""
from __future__ import annotations

import random
from pathlib import Path

import yaml

DOMAINS_MAIN = {
    "medical": dict(
        people=["the nurse", "a surgeon", "the pharmacist", "an intern", "the midwife", "the paramedic"],
        places=["the ward", "the clinic", "the operating room", "the pharmacy", "the triage tent"],
        things=["the patient", "the wound", "the fever", "the infusion", "the bandage", "the chart"],
        adjs=["sterile", "swollen", "chronic", "gentle", "urgent"],
        kinds=["instrument", "ointment", "procedure", "symptom", "dressing"],
        purposes=["used to calm an irregular pulse", "that seals small cuts without stitches",
                  "for draining fluid from a joint", "that signals a rare allergy",
                  "used to keep a fracture still", "for measuring oxygen in the blood"],
        templates=["{P} reached for the {w} when {T} got worse in {L}.",
                   "In {L}, {P} explained why the {w} mattered for {T}.",
                   "Without a {w}, {P} could not treat {T} properly.",
                   "{P} wrote that the {w} was {A} and should be checked hourly.",
                   "The {A} {w} helped {P} with {T} during the night shift.",
                   "Everyone in {L} trusted the {w} more than the old methods.",
                   "{P} ordered a fresh {w} before touching {T}.",
                   "After the {w} was applied, {T} looked much less {A}."]),
    "legal": dict(
        people=["the judge", "a clerk", "the defence lawyer", "the notary", "a juror", "the bailiff"],
        places=["the courtroom", "the archive", "the chambers", "the registry", "the appeals office"],
        things=["the contract", "the verdict", "the estate", "the testimony", "the lease", "the appeal"],
        adjs=["binding", "disputed", "sealed", "formal", "void"],
        kinds=["clause", "writ", "filing", "doctrine", "deposition"],
        purposes=["that freezes an inheritance until heirs agree", "allowing a tenant to break a lease early",
                  "that transfers a debt to a guarantor", "used to pause a trial for new evidence",
                  "protecting a witness from being named", "that voids a sale made under pressure"],
        templates=["{P} cited the {w} while reviewing {T} in {L}.",
                   "The {w} made {T} far more {A} than anyone expected.",
                   "In {L}, {P} argued that the {w} did not apply to {T}.",
                   "{P} drafted a {w} late at night before the hearing.",
                   "Nobody in {L} had seen a {w} used against {T} before.",
                   "Because of the {w}, {T} stayed {A} for another year.",
                   "{P} asked whether the {w} covered {T} at all.",
                   "A {A} {w} was attached to {T} by {P}."]),
    "finance": dict(
        people=["the broker", "an auditor", "the treasurer", "a trader", "the banker", "the accountant"],
        places=["the trading floor", "the vault", "the back office", "the branch", "the exchange"],
        things=["the portfolio", "the ledger", "the loan", "the dividend", "the budget", "the bond"],
        adjs=["volatile", "hedged", "overdue", "liquid", "taxable"],
        kinds=["instrument", "fee", "ratio", "account", "strategy"],
        purposes=["that pays out only when interest rates fall", "charged for moving money between currencies",
                  "used to compare debt with yearly income", "that locks savings for a fixed decade",
                  "for spreading risk across many small loans", "that rewards early repayment of a mortgage"],
        templates=["{P} added a {w} to {T} before the quarter closed.",
                   "On {L}, the {w} was suddenly very {A}.",
                   "{P} warned that the {w} could ruin {T}.",
                   "The {w} kept {T} {A} through the whole crisis.",
                   "Nobody at {L} understood how the {w} was priced.",
                   "{P} sold the {w} and rebalanced {T}.",
                   "A {A} {w} appeared in {T} during the audit.",
                   "{P} at {L} explained the {w} to a nervous client."]),
    "technology": dict(
        people=["the engineer", "a sysadmin", "the developer", "a technician", "the architect", "the tester"],
        places=["the data centre", "the lab", "the server room", "the workshop", "the control room"],
        things=["the server", "the firmware", "the network", "the database", "the circuit", "the cluster"],
        adjs=["redundant", "encrypted", "faulty", "experimental", "stable"],
        kinds=["protocol", "component", "algorithm", "device", "utility"],
        purposes=["that compresses logs before they are archived", "used to reroute traffic around a failed link",
                  "that cools a processor with liquid metal", "for detecting memory corruption early",
                  "that signs each software update", "used to balance load between two power supplies"],
        templates=["{P} installed the {w} on {T} in {L}.",
                   "The {w} made {T} surprisingly {A}.",
                   "In {L}, {P} debugged the {w} for hours.",
                   "{P} replaced a {A} {w} before {T} crashed.",
                   "Once the {w} was enabled, {T} ran without errors.",
                   "{P} documented how the {w} talks to {T}.",
                   "Everyone in {L} blamed the {w} for the outage.",
                   "A spare {w} sat on a shelf in {L}."]),
    "culinary": dict(
        people=["the chef", "a baker", "the sous chef", "a waiter", "the butcher", "the pastry cook"],
        places=["the kitchen", "the bakery", "the market", "the pantry", "the dining hall"],
        things=["the dough", "the broth", "the sauce", "the roast", "the pastry", "the fish"],
        adjs=["crispy", "smoky", "tender", "bitter", "fragrant"],
        kinds=["utensil", "spice", "dish", "technique", "pastry"],
        purposes=["used to fold butter into dough", "made from fermented plums and pepper",
                  "for scraping the crust off a pan", "served cold at the end of a feast",
                  "that thickens a broth without flour", "used to smoke fish over juniper"],
        templates=["{P} used a {w} on {T} in {L}.",
                   "The {w} made {T} wonderfully {A}.",
                   "In {L}, {P} kept the {w} near the stove.",
                   "{P} would never prepare {T} without a {w}.",
                   "A {A} {w} was the secret behind {T}.",
                   "{P} showed the apprentices how the {w} works.",
                   "Everyone in {L} asked about the {w} after dinner.",
                   "{P} bought a new {w} for {T} at dawn."]),
    "nautical": dict(
        people=["the captain", "a deckhand", "the navigator", "the bosun", "a harbour pilot", "the cook aboard"],
        places=["the harbour", "the bridge", "the lower deck", "the dry dock", "the lighthouse"],
        things=["the sail", "the anchor", "the hull", "the rigging", "the cargo", "the mast"],
        adjs=["salty", "weathered", "tight", "loose", "waterlogged"],
        kinds=["knot", "rope", "manoeuvre", "signal", "vessel"],
        purposes=["used to secure a boat in a storm", "that warns of ice ahead",
                  "for turning a ship in a narrow channel", "that holds a sail against the wind",
                  "used to measure the depth under the keel", "carrying mail between islands"],
        templates=["{P} tied the {w} to {T} near {L}.",
                   "The {w} kept {T} {A} through the gale.",
                   "At {L}, {P} inspected the {w} twice.",
                   "{P} shouted for the {w} when {T} slipped.",
                   "A {A} {w} hung beside {T} all winter.",
                   "{P} learned the {w} from an old sailor.",
                   "Without the {w}, {T} would have been lost at {L}.",
                   "{P} painted the {w} before the voyage."]),
    "music": dict(
        people=["the conductor", "a violinist", "the composer", "a drummer", "the choir director", "the organist"],
        places=["the concert hall", "the rehearsal room", "the studio", "the cathedral", "the conservatory"],
        things=["the melody", "the chorus", "the overture", "the rhythm", "the score", "the harmony"],
        adjs=["haunting", "lively", "muted", "dissonant", "soaring"],
        kinds=["instrument", "chord", "tempo", "ornament", "dance"],
        purposes=["played by plucking a single brass string", "that resolves a tense passage slowly",
                  "used to slow the final bars of a hymn", "added to decorate a long note",
                  "performed in a circle at harvest time", "that sounds like distant thunder"],
        templates=["{P} added a {w} to {T} in {L}.",
                   "The {w} made {T} sound {A}.",
                   "In {L}, {P} practised the {w} every morning.",
                   "{P} removed the {w} from {T} after the premiere.",
                   "A {A} {w} opened {T} that evening.",
                   "{P} could recognise a {w} from the back of {L}.",
                   "Critics praised the {w} in {T}.",
                   "{P} taught the students how to play the {w}."]),
    "botany": dict(
        people=["the gardener", "a botanist", "the florist", "a forester", "the herbalist", "the farmer"],
        places=["the greenhouse", "the orchard", "the meadow", "the herbarium", "the nursery"],
        things=["the seedlings", "the soil", "the roots", "the blossom", "the harvest", "the hedge"],
        adjs=["fragile", "invasive", "blooming", "withered", "hardy"],
        kinds=["shrub", "fungus", "vine", "root", "flower"],
        purposes=["that closes its petals before rain", "used to feed bees in early spring",
                  "that grows only on burnt ground", "whose bark cures a cough",
                  "that climbs walls toward the north", "used to dye wool deep blue"],
        templates=["{P} planted a {w} beside {T} in {L}.",
                   "The {w} made {T} look {A}.",
                   "In {L}, {P} pruned the {w} each autumn.",
                   "{P} found a {w} growing among {T}.",
                   "A {A} {w} spread across {L} that year.",
                   "{P} warned that the {w} would choke {T}.",
                   "Visitors to {L} always asked about the {w}.",
                   "{P} dried the {w} and stored it with {T}."]),
}

DOMAINS_HELDOUT = {
    "astronomy": dict(
        people=["the astronomer", "an observer", "the cosmologist", "a stargazer", "the telescope operator"],
        places=["the observatory", "the dome", "the desert station", "the planetarium", "the radio array"],
        things=["the comet", "the nebula", "the eclipse", "the orbit", "the star cluster", "the moon"],
        adjs=["faint", "distant", "brilliant", "eccentric", "dim"],
        kinds=["phenomenon", "instrument", "body", "measurement", "event"],
        purposes=["seen only when two moons align", "that records the spin of a pulsar",
                  "where a planet seems to move backwards", "used to cancel starlight near a planet",
                  "that marks the edge of a galaxy", "counting craters on a young moon"],
        templates=["Through the {w}, {P} finally saw {T} from {L}.",
                   "{P} logged a {A} {w} near {T}.",
                   "At {L} the {w} kept everyone awake all night.",
                   "Nobody expected the {w} to outshine {T}.",
                   "{P} calibrated the {w} before tracking {T}.",
                   "Reports of the {w} reached {L} within an hour.",
                   "A {A} {w} was photographed beside {T}.",
                   "{P} published a paper on the {w} last spring."]),
    "textiles": dict(
        people=["the weaver", "a tailor", "the dyer", "a seamstress", "the spinner"],
        places=["the mill", "the loom room", "the dye works", "the tailor's shop", "the wool market"],
        things=["the linen", "the tapestry", "the cloak", "the thread", "the quilt", "the silk"],
        adjs=["coarse", "woven", "faded", "embroidered", "delicate"],
        kinds=["stitch", "fabric", "pattern", "tool", "weave"],
        purposes=["that never unravels when cut", "spun from nettle fibres",
                  "used to stretch wet cloth evenly", "shaped like interlocking fish scales",
                  "that shimmers green and gold", "for hemming heavy sailcloth"],
        templates=["Using a {w}, {P} mended {T} at {L}.",
                   "{P} said the {w} gave {T} a {A} finish.",
                   "The {w} was famous all over {L}.",
                   "Buyers at {L} paid double for a {w}.",
                   "{P} unpicked the {w} from {T} carefully.",
                   "Grandmother's {w} still held {T} together.",
                   "A {A} {w} ran along the edge of {T}.",
                   "{P} kept the secret of the {w} for decades."]),
    "geology": dict(
        people=["the geologist", "a miner", "the surveyor", "a prospector", "the volcanologist"],
        places=["the quarry", "the canyon", "the mine shaft", "the crater rim", "the field camp"],
        things=["the bedrock", "the fault line", "the lava", "the sediment", "the glacier", "the ore"],
        adjs=["porous", "molten", "layered", "crumbling", "ancient"],
        kinds=["mineral", "formation", "rock", "deposit", "process"],
        purposes=["that glows under ultraviolet light", "formed where hot springs meet the sea",
                  "that splits into perfect cubes", "left behind by a retreating glacier",
                  "that slowly turns wood into stone", "found only beneath salt lakes"],
        templates=["Deep in {L}, {P} chipped a {w} out of {T}.",
                   "{P} mapped the {w} running under {T}.",
                   "The {w} near {L} was unusually {A}.",
                   "Samples of the {w} were sent from {L} to the museum.",
                   "{P} dated the {w} by studying {T}.",
                   "Rain exposed a {A} {w} above {T}.",
                   "Every visitor to {L} wanted to touch the {w}.",
                   "{P} feared the {w} would collapse into {T}."]),
    "sports": dict(
        people=["the coach", "a goalkeeper", "the referee", "a sprinter", "the team captain"],
        places=["the stadium", "the training ground", "the locker room", "the velodrome", "the arena"],
        things=["the final", "the league", "the match", "the relay", "the season", "the penalty"],
        adjs=["risky", "legal", "exhausting", "daring", "clumsy"],
        kinds=["move", "rule", "drill", "tactic", "throw"],
        purposes=["where a defender spins past two attackers", "that bans passing backwards",
                  "used to warm up before a sprint", "that ends a match after three fouls",
                  "thrown underarm from a kneeling start", "where the whole team presses at once"],
        templates=["During {T}, {P} tried a {w} at {L}.",
                   "{P} insisted the {w} was perfectly {A}.",
                   "Fans at {L} chanted for another {w}.",
                   "The {w} decided {T} in the last minute.",
                   "{P} banned the {w} after {T}.",
                   "A {A} {w} left the crowd at {L} silent.",
                   "Rookies practise the {w} until they drop.",
                   "{P} drew the {w} on a whiteboard before {T}."]),
}

SYLLABLES_MAIN = ["ba", "ko", "ri", "zu", "mel", "tan", "vor", "qui", "sel", "dra", "pho", "nix",
                  "gal", "te", "mu", "shr", "ol", "ven", "ka", "pri"]
SYLLABLES_HELDOUT = ["fy", "lo", "wex", "ja", "bri", "um", "hed", "co", "ster", "ni", "ap", "gru",
                     "dov", "ys", "tha", "plo", "ez", "rin", "cu", "mab"]


def _invent_word(rng: random.Random, syllables: list[str], taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
        if word not in taken and len(word) >= 5:
            taken.add(word)
            return word


def make_specs(domains: dict, syllables: list[str], words_per_domain: int, seed: int,
               usages_per_word: int = 6) -> list[dict]:
    rng = random.Random(seed)
    taken: set[str] = set()
    seen_sentences: set[str] = set()
    specs = []
    for domain, d in domains.items():
        for _ in range(words_per_domain):
            word = _invent_word(rng, syllables, taken)
            kind = rng.choice(d["kinds"])
            definition = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} {rng.choice(d['purposes'])}"
            usages: list[str] = []
            for template in rng.sample(d["templates"], usages_per_word):
                while True:
                    s = template.format(w=word, P=rng.choice(d["people"]), L=rng.choice(d["places"]),
                                        T=rng.choice(d["things"]), A=rng.choice(d["adjs"]))
                    s = s[0].upper() + s[1:]
                    if s not in seen_sentences:
                        seen_sentences.add(s)
                        usages.append(s)
                        break
            specs.append({"word": word, "definition": definition, "domain": domain, "usages": usages})
    return specs


def main() -> None:
    out = Path(__file__).resolve().parents[1]
    header = "# Invented words for the one-shot benchmark. Generated by data/authoring/make_word_specs.py.\n"
    for name, domains, syllables, per_domain, seed in [
        ("rare_words.yaml", DOMAINS_MAIN, SYLLABLES_MAIN, 30, 1),
        ("heldout_words.yaml", DOMAINS_HELDOUT, SYLLABLES_HELDOUT, 50, 2),
    ]:
        specs = make_specs(domains, syllables, per_domain, seed)
        text = header + yaml.safe_dump(specs, sort_keys=False, allow_unicode=True, width=110)
        (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}: {len(specs)} words")


if __name__ == "__main__":
    main()
