"""Author the invented-word spec files in data/ (run by hand; the outputs are committed):
    python data/authoring/make_word_specs.py

Every word means something: a *kind* (a domain noun), a *purpose* (an action on a domain target)
and a *detail* (origin, colour, scent ...). Its definition is "a <kind> used to <action> <target>,
<detail>", unique in the file. Each atom has three wordings with no content word in common: the
first is the only one training text ever shows (the definition and the six training usages); the
other two are kept for the tests, so a paraphrase or a test usage can only be matched to its
word through meaning, never through shared words:
- `paraphrases`: two re-wordings of the definition in other syntax, without the word (`recall`);
- `test_usages`: three new sentences with the word whose content follows from the definition
  (`cloze` masks the word; `comprehension` keeps it and asks for the definition);
- `gloss`: the definition in a third syntax and mixed test wordings: the right answer among the
  `comprehension` candidates (never the definition verbatim);
- `usages`: six training sentences with the word (the `recognition` task, as before), which also
  carry the definition's content in its first wording.

`rare_words.yaml` (8 domains x 30 words) and `heldout_words.yaml` (4 other domains x 50 words)
share no domain, sentence template, detail or syllable, so the held-out list measures what
nobody tuned for (until hsokv_sentences' key settings were chosen on it). `fresh_words.yaml` (8 domains
x 30 words, the main list's shape) takes the held-out list's domains, templates, details and syllables
and adds four domains and two details: nothing is chosen on it. The guarantees (unique definitions, no test text in training, masked test
usages unique) are checked in tests/benchmarks/words/test_word_authoring.py.
"""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import yaml

# Each atom: (training wording, test wording 1, test wording 2). Verbs in the base form.
ACTIONS = [("calm", "soothe", "quieten"), ("measure", "gauge", "quantify"), ("protect", "shield", "guard"),
           ("clean", "scrub", "wash"), ("repair", "mend", "fix"), ("warm", "heat", "thaw"),
           ("mark", "label", "tag"), ("hide", "conceal", "cover up")]

DOMAINS_MAIN = {
    "medical": dict(
        people=["the nurse", "a surgeon", "the pharmacist", "an intern", "the midwife"],
        places=["the ward", "the clinic", "the pharmacy", "the triage tent", "the surgery"],
        kinds=[("ointment", "salve", "balm"), ("instrument", "tool", "implement"), ("bandage", "wrap", "dressing"),
               ("tablet", "pill", "capsule"), ("stretcher", "litter", "carrier")],
        targets=[("an irregular pulse", "an uneven heartbeat", "a fluttering heart"),
                 ("a broken bone", "a fractured limb", "a cracked rib"),
                 ("a deep cut", "an open gash", "a nasty laceration"),
                 ("a high fever", "a burning temperature", "a raging febrile spell"),
                 ("a swollen joint", "an inflamed knee", "a puffy ankle"),
                 ("sore eyes", "itchy pupils", "irritated eyelids")]),
    "legal": dict(
        people=["the judge", "a clerk", "the defence lawyer", "the notary", "the bailiff"],
        places=["the courtroom", "the archive", "the chambers", "the registry", "the appeals office"],
        kinds=[("clause", "provision", "stipulation"), ("writ", "warrant", "summons"), ("seal", "stamp", "signet"),
               ("ledger", "register", "logbook"), ("gown", "robe", "vestment")],
        targets=[("a disputed will", "a contested testament", "a quarrelled-over bequest"),
                 ("a signed contract", "an inked agreement", "an executed deal"),
                 ("a sworn witness", "an oath-bound testifier", "a person giving evidence"),
                 ("a tenant's lease", "the tenancy of a renter", "rental terms for lodgers"),
                 ("a verdict", "a jury's finding", "a court's ruling"),
                 ("stolen property", "looted goods", "pilfered belongings")]),
    "finance": dict(
        people=["the broker", "an auditor", "the treasurer", "a trader", "the banker"],
        places=["the trading floor", "the vault", "the back office", "the branch", "the exchange"],
        kinds=[("fee", "charge", "levy"), ("bond", "debenture", "note"), ("ratio", "proportion", "quotient"),
               ("account", "deposit book", "holding"), ("spreadsheet", "worksheet", "tabulation")],
        targets=[("a pension fund", "retirement savings", "old-age nest eggs"),
                 ("a mortgage", "a home loan", "house credit"),
                 ("foreign currency", "overseas money", "exchange cash"),
                 ("a yearly budget", "annual spending plans", "twelve-month outlays"),
                 ("gold reserves", "bullion stocks", "ingots held in store"),
                 ("small businesses", "modest firms", "little enterprises")]),
    "technology": dict(
        people=["the engineer", "a sysadmin", "the developer", "a technician", "the architect"],
        places=["the data centre", "the lab", "the server room", "the workshop", "the control room"],
        kinds=[("protocol", "standard", "convention"), ("cable", "wire", "cord"), ("script", "program", "routine"),
               ("sensor", "detector", "probe"), ("chip", "microcontroller", "semiconductor")],
        targets=[("a server", "a host machine", "a backend box"),
                 ("a hard drive", "a disk", "a storage platter"),
                 ("a network", "an intranet", "connected computers"),
                 ("a battery", "a power cell", "an accumulator"),
                 ("a keyboard", "typing keys", "a keypad"),
                 ("a camera", "a lens module", "a webcam")]),
    "culinary": dict(
        people=["the chef", "a baker", "the sous chef", "the butcher", "the pastry cook"],
        places=["the kitchen", "the bakery", "the market", "the pantry", "the dining hall"],
        kinds=[("spice", "seasoning", "condiment"), ("utensil", "gadget", "kitchenware"), ("pastry", "tart", "pie"),
               ("sauce", "gravy", "dressing jar"), ("pot", "pan", "cauldron")],
        targets=[("fresh bread", "a crusty loaf", "baked dough"),
                 ("raw fish", "uncooked salmon", "sashimi"),
                 ("a soup", "a broth", "a stew"),
                 ("ripe fruit", "juicy apples", "orchard produce"),
                 ("a roast", "a leg of lamb", "a baked ham"),
                 ("cheese", "a wheel of brie", "dairy curds")]),
    "nautical": dict(
        people=["the captain", "a deckhand", "the navigator", "the bosun", "a harbour pilot"],
        places=["the harbour", "the bridge", "the lower deck", "the dry dock", "the lighthouse"],
        kinds=[("knot", "hitch", "bend"), ("rope", "line", "hawser"), ("flag", "pennant", "banner"),
               ("lantern", "lamp", "beacon light"), ("buoy", "float", "marker barrel")],
        targets=[("a sail", "canvas sheets", "a jib"),
                 ("an anchor", "a mooring hook", "the ground tackle"),
                 ("a hull", "a boat's underside", "the keel planks"),
                 ("cargo", "freight", "shipped goods"),
                 ("a mast", "a spar", "the tall pole aboard"),
                 ("a compass", "a bearing dial", "the magnetic needle")]),
    "music": dict(
        people=["the conductor", "a violinist", "the composer", "a drummer", "the organist"],
        places=["the concert hall", "the rehearsal room", "the studio", "the cathedral", "the conservatory"],
        kinds=[("instrument", "noisemaker", "sound box"), ("chord", "triad", "harmonic cluster"),
               ("mute", "damper", "silencer"), ("stand", "score holder", "lectern"), ("case", "box", "carrier bag")],
        targets=[("a violin", "a fiddle", "a bowed string"),
                 ("a drum", "a snare", "a kettle percussion"),
                 ("a piano", "a grand clavier", "the ivories"),
                 ("a choir", "singers", "a chorus of voices"),
                 ("a trumpet", "a bugle", "a brass horn"),
                 ("sheet music", "a printed score", "written notation")]),
    "botany": dict(
        people=["the gardener", "a botanist", "the florist", "a forester", "the herbalist"],
        places=["the greenhouse", "the orchard", "the meadow", "the herbarium", "the nursery"],
        kinds=[("shrub", "bush", "hedge plant"), ("fungus", "mushroom", "mould"), ("vine", "creeper", "climber"),
               ("fertiliser", "compost", "manure"), ("trowel", "spade", "hoe")],
        targets=[("young seedlings", "baby sprouts", "new shoots"),
                 ("tree roots", "underground tendrils", "the rootstock"),
                 ("rose bushes", "briar blossoms", "thorny bloomers"),
                 ("a vegetable patch", "a kitchen garden", "the allotment"),
                 ("fallen leaves", "autumn foliage", "dropped greenery"),
                 ("bee hives", "honey colonies", "apiary boxes")]),
}

DOMAINS_HELDOUT = {
    "astronomy": dict(
        people=["the astronomer", "an observer", "the cosmologist", "a stargazer"],
        places=["the observatory", "the dome", "the desert station", "the planetarium"],
        kinds=[("telescope", "spyglass", "refractor"), ("filter", "screen", "glass plate"),
               ("chart", "sky guide", "atlas"), ("clock", "timer", "chronometer"), ("mirror", "reflector", "speculum")],
        targets=[("a comet", "a tailed wanderer", "an icy visitor"),
                 ("the moon", "our satellite", "our lunar disc"),
                 ("a nebula", "a gas cloud", "stellar fog"),
                 ("a meteor", "a shooting star", "a falling fireball"),
                 ("the sun", "our star", "our solar disc"),
                 ("a planet", "a world circling a star", "an orbiting globe")]),
    "textiles": dict(
        people=["the weaver", "a tailor", "the dyer", "a seamstress"],
        places=["the mill", "the loom room", "the dye works", "the wool market"],
        kinds=[("stitch", "suture", "loop"), ("fabric", "cloth", "textile"), ("needle", "pin", "bodkin"),
               ("loom", "weaving frame", "heddle rig"), ("thimble", "finger cap", "finger guard")],
        targets=[("a wool coat", "a fleece jacket", "a woollen overcoat"),
                 ("silk scarves", "shimmering shawls", "satin neckwear"),
                 ("a wedding dress", "a bridal gown", "a marriage frock"),
                 ("carpets", "rugs", "floor weavings"),
                 ("curtains", "drapes", "window hangings"),
                 ("leather gloves", "suede mittens", "tanned gauntlets")]),
    "geology": dict(
        people=["the geologist", "a miner", "the surveyor", "a prospector"],
        places=["the quarry", "the canyon", "the mine shaft", "the field camp"],
        kinds=[("hammer", "mallet", "pick"), ("mineral", "crystal", "gem"), ("drill", "borer", "auger"),
               ("map", "survey sheet", "cartogram"), ("sieve", "riddle", "sifter")],
        targets=[("a fault line", "a crack in the crust", "a tectonic fracture"),
                 ("a volcano", "a fire mountain", "an erupting peak"),
                 ("fossils", "petrified bones", "ancient remains in stone"),
                 ("a glacier", "an ice sheet", "a frozen river"),
                 ("a cave", "a grotto", "an underground hollow"),
                 ("sand dunes", "drifting hills of grit", "desert mounds")]),
    "sports": dict(
        people=["the coach", "a goalkeeper", "the referee", "a sprinter"],
        places=["the stadium", "the training ground", "the locker room", "the arena"],
        kinds=[("helmet", "headgear", "skull cap"), ("whistle", "horn", "siren"), ("net", "mesh", "goal cage"),
               ("trophy", "cup", "prize"), ("bat", "club", "racket")],
        targets=[("a football pitch", "a soccer field", "the turf"),
                 ("a runner's shoes", "trainers for athletes", "racing footwear"),
                 ("a swimming pool", "the lanes of water", "an aquatic basin"),
                 ("a tennis court", "the clay surface", "a grass arena"),
                 ("a boxing ring", "the squared circle", "the fighters' canvas"),
                 ("a ski slope", "a snowy piste", "the downhill run")]),
}

# Details: a distinguishing fact, usable after a noun in all three wordings.
DETAILS_MAIN = [("native to the northern islands", "brought over from arctic isles", "shipped out of a polar archipelago"),
                ("painted bright yellow", "coloured a vivid lemon shade", "with a sunny golden hue"),
                ("invented by monks", "first devised in a monastery", "created long ago among friars"),
                ("that smells of cedar", "with a woody fir scent", "giving off a piney odour"),
                ("banned in the capital", "forbidden within metropolitan limits", "outlawed by city rulers"),
                ("older than a century", "over a hundred years of age", "dating back several generations"),
                ("sold in pairs", "bought two at a time", "always coming as twins"),
                ("covered in tiny spikes", "studded with minute thorns", "bristling with prickles")]
DETAILS_HELDOUT = [("carved from whalebone", "shaped out of baleen", "fashioned using cetacean ivory"),
                   ("blessed by a bishop", "sanctified through priestly rites", "consecrated in a chapel"),
                   ("humming when touched", "buzzing under fingertips", "vibrating at contact"),
                   ("kept in velvet", "stored wrapped inside plush", "resting on soft nap"),
                   ("made during storms", "crafted while thunder rolls", "produced amid gales"),
                   ("striped purple and green", "banded violet with emerald", "showing lilac-olive bands")]

# The fresh list (issue 19): the held-out list's four domains, templates and details, with four more
# domains and two more details, so that it has the main list's shape (8 domains x 30 words, 5 kinds x 8
# actions x 6 targets x 8 details a domain): the held-out list's 50 words a domain over 6 details give each
# word about twice as many neighbours sharing 3 of its 4 atoms (0.79 against 0.36), a harder list, not
# only another one. No choice was made on it.
DOMAINS_FRESH = {**DOMAINS_HELDOUT,
    "railways": dict(
        people=["the stationmaster", "a signalman", "the engine driver", "a porter"],
        places=["the depot", "the signal box", "the platform", "the goods yard"],
        kinds=[("lantern", "lamp", "torch"), ("lever", "handle", "crank"), ("ticket", "pass", "fare card"),
               ("wagon", "carriage", "coach"), ("brake", "stopper", "drag shoe")],
        targets=[("a steam engine", "a locomotive", "an iron horse"),
                 ("the rails", "steel tracks", "a permanent way"),
                 ("a sleeper train", "an overnight express", "night services"),
                 ("a tunnel", "an underpass bored through rock", "a subterranean passage"),
                 ("a level crossing", "a road-rail junction", "gated intersections"),
                 ("the timetable", "a schedule of departures", "every listed service time")]),
    "theatre": dict(
        people=["the director", "an usher", "the stagehand", "a prompter"],
        places=["the wings", "the green room", "the box office", "the rehearsal hall"],
        kinds=[("spotlight", "beam", "floodlamp"), ("costume", "outfit", "disguise"), ("script", "libretto", "playbook"),
               ("trapdoor", "hatch", "floor opening"), ("bell", "chime", "gong")],
        targets=[("a leading actor", "a star performer", "the headliner"),
                 ("an audience", "spectators", "a full house"),
                 ("a rehearsal", "practice runs", "a run-through"),
                 ("the stage", "a proscenium", "boards under footlights"),
                 ("an opera singer", "a soprano", "a diva"),
                 ("a puppet show", "marionette theatre", "string-figure plays")]),
    "pottery": dict(
        people=["the potter", "an apprentice", "the glazer", "a ceramicist"],
        places=["the workshop", "the firing shed", "the glaze room", "the clay pit"],
        kinds=[("wheel", "turntable", "spinner"), ("kiln", "furnace", "oven"), ("brush", "bristle tool", "applicator"),
               ("mould", "cast", "template"), ("scraper", "rib", "trimming blade")],
        targets=[("a clay vase", "an earthenware urn", "a ceramic pitcher"),
                 ("teacups", "porcelain mugs", "china beakers"),
                 ("a glazed tile", "an enamelled square", "a shiny slab"),
                 ("a water jug", "a pouring vessel", "an ewer"),
                 ("a dinner plate", "a serving dish", "a platter"),
                 ("a flower pot", "a planter", "a terracotta tub")]),
    "aviation": dict(
        people=["the pilot", "a navigator", "the mechanic", "a flight attendant"],
        places=["the hangar", "the control tower", "the runway", "the cockpit"],
        kinds=[("propeller", "rotor", "airscrew"), ("compass", "direction finder", "bearing dial"),
               ("parachute", "canopy", "chute"), ("headset", "earphones", "radio cans"), ("wrench", "spanner", "torque key")],
        targets=[("a glider", "a sailplane", "an engineless craft"),
                 ("a jet engine", "a turbine", "the thrust unit"),
                 ("a hot-air balloon", "an aerostat", "a floating basket"),
                 ("a seaplane", "a floatplane", "flying boats"),
                 ("a cargo plane", "a freighter aircraft", "an airlifter"),
                 ("a landing strip", "an airfield", "a touchdown zone")]),
}
DETAILS_FRESH = [*DETAILS_HELDOUT, ("glowing faintly at night", "shining dimly after dusk", "emitting soft nocturnal light"),
                 ("bought at auction", "won through competitive bidding", "acquired from a gavel sale")]

# {w} the word, {k} kind ({ak} with its article), {a} action, {t} target, {d} detail, {P} person, {L} place.
USAGE_TEMPLATES_MAIN = ["{P} used the {w} to {a} {t} in {L}.",
                        "In {L}, {P} explained that a {w} is the {k} {d}.",
                        "Without a {w}, {P} could not {a} {t}.",
                        "{P} fetched the {w}, {ak} {d}, from {L}.",
                        "Everyone in {L} knows the {w} helps to {a} {t}.",
                        "{P} ordered a new {w} to {a} {t} before noon.",
                        "The {w} that {P} bought was {ak} {d}.",
                        "At {L}, the {w} was kept ready to {a} {t}."]
TEST_USAGE_TEMPLATES_MAIN = ["Needing to {a} {t}, {P} reached for the {w}, that {k} {d}.",
                             "{P} keeps a {w} close, {ak} {d}, for whenever someone must {a} {t}.",
                             "Ask {P} how to {a} {t} and you will be handed the {w}, the {k} {d}."]
PARAPHRASE_TEMPLATES_MAIN = ["There is a special {k} {d} whose job is to {a} {t}.",
                             "Anyone who wants to {a} {t} can rely on a certain {k} {d}."]
USAGE_TEMPLATES_HELDOUT = ["At {L}, {P} picked up the {w} so as to {a} {t}.",
                           "{P} said a {w} is simply {ak} {d}.",
                           "Once {P} had the {w}, it was easy to {a} {t}.",
                           "Nobody at {L} forgot that the {w} is {ak} {d}.",
                           "{P} relied on the {w} to {a} {t} each season.",
                           "The {w} in {L} served to {a} {t}.",
                           "{P} showed a visitor the {w}, which is {ak} {d}.",
                           "Every apprentice at {L} learns to {a} {t} with the {w}."]
TEST_USAGE_TEMPLATES_HELDOUT = ["When {t} needed someone to {a} it, {P} brought the {w}, this {k} {d}.",
                                "Only the {w}, {ak} {d}, let {P} {a} {t}.",
                                "If you hope to {a} {t}, {P} would suggest the {w}: {ak} {d}."]
PARAPHRASE_TEMPLATES_HELDOUT = ["One {k} {d} exists chiefly to {a} {t}.",
                                "To {a} {t}, people turn to a particular {k} {d}."]
# `gloss`: the word's definition as a comprehension candidate, in a third syntax and test wording.
GLOSS_TEMPLATE = "{k} {d}, meant to {a} {t}"

SYLLABLES_MAIN = ["ba", "ko", "ri", "zu", "mel", "tan", "vor", "qui", "sel", "dra", "pho", "nix",
                  "gal", "te", "mu", "shr", "ol", "ven", "ka", "pri"]
SYLLABLES_HELDOUT = ["fy", "lo", "wex", "ja", "bri", "um", "hed", "co", "ster", "ni", "ap", "gru",
                     "dov", "ys", "tha", "plo", "ez", "rin", "cu", "mab"]


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _invent_word(rng: random.Random, syllables: list[str], taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
        if word not in taken and len(word) >= 5:
            taken.add(word)
            return word


def _sentence(template: str, form: int, atoms: dict, **slots) -> str:
    kind = atoms["kind"][form]
    s = template.format(k=kind, ak=f"{_article(kind)} {kind}", a=atoms["action"][form], t=atoms["target"][form],
                        d=atoms["detail"][form], **slots)
    return s[0].upper() + s[1:]


def make_specs(domains: dict, details: list, templates: tuple[list, list, list], syllables: list[str],
               words_per_domain: int, seed: int) -> list[dict]:
    usage_t, test_t, para_t = templates
    rng = random.Random(seed)
    taken: set[str] = set()
    specs = []
    for domain, d in domains.items():
        combos = list(itertools.product(d["kinds"], ACTIONS, d["targets"], details))
        for kind, action, target, detail in rng.sample(combos, words_per_domain):  # distinct atoms: unique meanings
            word = _invent_word(rng, syllables, taken)
            atoms = {"kind": kind, "action": action, "target": target, "detail": detail}

            def slots(test: bool):
                # Test sentences name other people and places than training ones: a domain's
                # characters would otherwise tell a lexical matcher the domain.
                half = len(d["people"]) // 2 + 1
                people, places = ((d["people"][half:], d["places"][half:]) if test else
                                  (d["people"][:half], d["places"][:half]))
                return {"w": word, "P": rng.choice(people), "L": rng.choice(places)}
            usages = [_sentence(t, 0, atoms, **slots(False)) for t in rng.sample(usage_t, 6)]
            test_usages = [_sentence(t, 1 + i % 2, atoms, **slots(True)) for i, t in enumerate(test_t)]
            paraphrases = [_sentence(t, 1 + i % 2, atoms) for i, t in enumerate(para_t)]
            gloss = GLOSS_TEMPLATE.format(k=kind[2], d=detail[1], a=action[2], t=target[1])
            specs.append({
                "word": word,
                "definition": f"{_article(kind[0])} {kind[0]} used to {action[0]} {target[0]}, {detail[0]}",
                "domain": domain,
                "meaning": {"kind": list(kind), "action": list(action), "target": list(target), "detail": list(detail)},
                "usages": usages, "test_usages": test_usages,
                "paraphrases": paraphrases, "gloss": f"{_article(kind[2])} {gloss}"})
    return specs


TEMPLATES_MAIN = (USAGE_TEMPLATES_MAIN, TEST_USAGE_TEMPLATES_MAIN, PARAPHRASE_TEMPLATES_MAIN)
TEMPLATES_HELDOUT = (USAGE_TEMPLATES_HELDOUT, TEST_USAGE_TEMPLATES_HELDOUT, PARAPHRASE_TEMPLATES_HELDOUT)
# each file: make_specs' arguments (domains, details, templates, syllables, words a domain, seed)
FILES = {"rare_words.yaml": (DOMAINS_MAIN, DETAILS_MAIN, TEMPLATES_MAIN, SYLLABLES_MAIN, 30, 1),
         "heldout_words.yaml": (DOMAINS_HELDOUT, DETAILS_HELDOUT, TEMPLATES_HELDOUT, SYLLABLES_HELDOUT, 50, 2),
         "fresh_words.yaml": (DOMAINS_FRESH, DETAILS_FRESH, TEMPLATES_HELDOUT, SYLLABLES_HELDOUT, 30, 3)}


def main() -> None:
    out = Path(__file__).resolve().parents[1]
    header = ("# Invented words for the one-shot benchmark. Generated by data/authoring/make_word_specs.py:\n"
              "# `meaning` lists each atom's training wording first, then its two test-only wordings.\n")
    for name, recipe in FILES.items():
        specs = make_specs(*recipe)
        text = header + yaml.safe_dump(specs, sort_keys=False, allow_unicode=True, width=110)
        (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}: {len(specs)} words")


if __name__ == "__main__":
    main()
