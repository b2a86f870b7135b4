"""Valence lexicon for product reviews, on a -4..+4 scale.

Written from general English sentiment vocabulary plus the product-review words that carry polarity in that
domain (failure verbs, quality adjectives, return talk). Multi-word expressions are matched before single words.
"""

WORDS = {
    # strong positive
    "love": 3.2, "loved": 3.0, "loves": 3.0, "adore": 3.2, "amazing": 3.1, "awesome": 3.1, "excellent": 3.2,
    "fantastic": 3.3, "outstanding": 3.3, "superb": 3.2, "perfect": 3.0, "perfectly": 2.6, "flawless": 3.0,
    "flawlessly": 2.8, "wonderful": 3.0, "brilliant": 3.0, "incredible": 2.9, "exceptional": 3.0,
    "phenomenal": 3.2, "best": 2.8, "terrific": 3.0, "delighted": 3.0, "thrilled": 3.0, "impressed": 2.5,
    "impressive": 2.6, "gorgeous": 2.8, "beautiful": 2.6, "beautifully": 2.5, "stunning": 2.8,
    "lifesaver": 3.0, "favorite": 2.5, "favourite": 2.5, "recommend": 2.2, "recommended": 2.0,
    # positive
    "great": 2.8, "good": 1.9, "nice": 1.8, "happy": 2.5, "pleased": 2.3, "satisfied": 2.0, "glad": 2.0,
    "solid": 1.8, "sturdy": 2.0, "durable": 2.0, "reliable": 2.0, "comfortable": 2.2, "comfy": 2.2,
    "cozy": 1.8, "soft": 1.2, "smooth": 1.5, "easy": 1.6, "easily": 1.3, "simple": 1.0, "quick": 1.2,
    "quickly": 1.0, "fast": 1.2, "convenient": 1.8, "handy": 1.8, "useful": 1.8, "helpful": 1.8,
    "worth": 1.8, "bargain": 1.8, "premium": 1.6, "elegant": 2.0,
    "stylish": 2.0, "sleek": 1.8, "cute": 1.6, "pretty": 1.6, "lovely": 2.6, "fine": 0.8, "decent": 1.0,
    "fun": 1.8, "enjoy": 2.0, "enjoyed": 2.0, "works": 1.0, "effective": 1.8,
    "accurate": 1.5, "crisp": 1.6, "clear": 1.3, "bright": 1.0, "rich": 1.5, "powerful": 1.8,
    "quiet": 1.4, "snug": 1.2, "secure": 1.4, "stable": 1.4, "sharp": 1.2, "thoughtful": 1.8,
    "responsive": 1.6, "friendly": 1.8, "prompt": 1.6, "promptly": 1.6, "exceeded": 2.2,
    "recommendable": 2.0, "win": 1.8, "wins": 1.8, "thanks": 1.5, "thank": 1.5,
    "appreciate": 2.0, "ideal": 2.4, "pleasant": 2.0, "pleasantly": 2.0, "improved": 1.6, "upgrade": 1.2,
    "generous": 1.8, "plenty": 1.2, "keeper": 2.0, "classy": 2.0, "spotless": 2.0,
    "affordable": 1.5, "inexpensive": 1.2, "sturdier": 1.4, "roomy": 1.6, "spacious": 1.6, "lightweight": 1.0,
    "intuitive": 1.8, "seamless": 1.8, "seamlessly": 1.8, "satisfying": 2.0, "fabulous": 3.0, "superior": 2.2,
    # mild negative
    "meh": -1.5, "okay": 0.3, "ok": 0.3, "average": -0.4, "mediocre": -1.8, "underwhelming": -2.0,
    "overpriced": -2.0, "pricey": -1.0, "expensive": -1.0, "slow": -1.5, "slowly": -1.2, "loud": -1.6,
    "noisy": -1.8, "heavy": -0.6, "bulky": -1.0, "awkward": -1.5, "confusing": -1.8, "complicated": -1.4,
    "difficult": -1.6, "hard": -0.6, "tight": -0.6, "thin": -0.8,
    "dim": -1.2, "weak": -1.8, "tinny": -1.8, "muffled": -1.6, "scratchy": -1.8, "itchy": -1.8,
    "uncomfortable": -2.2, "annoying": -2.0, "annoyed": -2.0, "frustrating": -2.4, "frustrated": -2.2,
    "inconsistent": -1.6, "unreliable": -2.2, "flimsy": -2.2, "cheaply": -2.0, "cheap": -1.2,
    "wobbly": -1.8, "loose": -1.2, "smell": -0.8, "smells": -1.0, "stinks": -2.4, "sticky": -1.4,
    "slippery": -1.6, "lukewarm": -1.2, "late": -1.4, "delayed": -1.6, "missing": -1.8, "wrong": -1.8,
    "issue": -1.2, "issues": -1.4, "problem": -1.5, "problems": -1.6, "complaint": -1.2, "complain": -1.0,
    "fault": -1.8, "flaw": -1.8, "flaws": -1.8, "unfortunately": -1.6, "sadly": -1.6, "lacking": -1.6,
    "lacks": -1.6, "barely": -0.8, "struggle": -1.6, "struggles": -1.6, "hurt": -1.8, "hurts": -1.8,
    "pain": -1.8, "painful": -2.2, "painfully": -1.8, "blisters": -1.6, "fade": -1.0, "faded": -1.6,
    "drops": -1.0, "dropped": -1.0, "fell": -1.2, "falls": -1.0, "falling": -1.0, "peeling": -1.8,
    "flaking": -1.8, "chipped": -1.8, "frayed": -1.8, "ripped": -2.2, "torn": -2.0, "scratched": -1.8,
    "dented": -1.8, "leak": -2.0, "leaks": -2.2, "leaked": -2.2, "leaking": -2.2, "leaky": -2.2,
    "rust": -2.0, "rusted": -2.2, "mold": -2.2, "overheats": -2.4, "overheating": -2.4,
    "waste": -2.6, "wasted": -2.4, "regret": -2.4, "regrets": -2.2,
    # strong negative
    "bad": -2.5, "poor": -2.3, "poorly": -2.2, "terrible": -3.1, "horrible": -3.1, "awful": -3.1,
    "worst": -3.2, "hate": -3.0, "hated": -3.0, "useless": -2.8, "junk": -2.9, "garbage": -3.0,
    "trash": -2.9, "crap": -2.8, "rubbish": -2.8, "disappointed": -2.4, "disappointing": -2.4,
    "disappointment": -2.5, "broke": -2.4, "broken": -2.5, "breaks": -2.2, "defective": -2.8,
    "faulty": -2.6, "dead": -2.0, "died": -2.2, "dies": -2.0, "failed": -2.4, "fails": -2.2,
    "failure": -2.4, "unusable": -2.8, "worthless": -3.0, "dangerous": -2.8, "unsafe": -2.6,
    "ruined": -2.6, "scam": -3.0, "fake": -2.6, "misleading": -2.4, "ridiculous": -2.0, "pathetic": -2.8,
    "shoddy": -2.6, "nightmare": -3.0, "avoid": -2.4, "refund": -1.6, "return": -1.0, "returned": -1.8,
    "returning": -1.8, "unacceptable": -2.6, "cracked": -2.2, "shattered": -2.4, "horrendous": -3.2,
    "dreadful": -3.0, "sucks": -2.6, "mess": -1.8, "ugly": -2.2, "flimsier": -2.0, "joke": -2.0,
    "wobbles": -1.6, "stopped": -1.2, "rude": -2.4, "unhelpful": -2.2, "ignored": -2.0, "crashes": -2.0,
    "malfunctioned": -2.6, "malfunction": -2.4, "unhappy": -2.4, "upset": -2.2, "angry": -2.6,
}

# Multi-word expressions: matched on the token sequence before single words.
PHRASES = {
    ("stopped", "working"): -2.8, ("stop", "working"): -2.4, ("quit", "working"): -2.8,
    ("fell", "apart"): -2.8, ("falls", "apart"): -2.6, ("falling", "apart"): -2.6, ("came", "apart"): -2.4,
    ("waste", "of", "money"): -3.2, ("waste", "of", "time"): -2.8, ("piece", "of", "junk"): -3.2,
    ("piece", "of", "crap"): -3.2, ("money", "back"): -1.8, ("sent", "it", "back"): -2.0,
    ("send", "it", "back"): -1.8, ("sending", "it", "back"): -2.0, ("returned", "it"): -2.0,
    ("do", "not", "buy"): -3.0, ("don't", "buy"): -3.0, ("dont", "buy"): -3.0, ("stay", "away"): -2.8,
    ("not", "worth"): -2.4, ("one", "star"): -2.4, ("1", "star"): -2.4, ("zero", "stars"): -3.0,
    ("five", "stars"): 2.8, ("5", "stars"): 2.8, ("works", "great"): 2.8, ("works", "perfectly"): 2.8,
    ("works", "well"): 2.2, ("worked", "great"): 2.4, ("as", "described"): 1.4, ("as", "advertised"): 1.4,
    ("highly", "recommend"): 3.2, ("would", "recommend"): 2.4, ("worth", "every", "penny"): 3.2,
    ("no", "complaints"): 2.0, ("no", "issues"): 1.8, ("no", "problems"): 1.8, ("does", "the", "job"): 1.6,
    ("does", "its", "job"): 1.6, ("gets", "the", "job", "done"): 1.6, ("good", "value"): 2.2,
    ("great", "value"): 2.8, ("well", "made"): 2.4, ("poorly", "made"): -2.6, ("cheaply", "made"): -2.6,
    ("well", "built"): 2.2, ("went", "wrong"): -1.6, ("gave", "up"): -1.8, ("gives", "up"): -1.8,
    ("didn't", "last"): -2.4, ("did", "not", "last"): -2.4, ("doesn't", "work"): -2.6,
    ("does", "not", "work"): -2.6, ("didn't", "work"): -2.6, ("did", "not", "work"): -2.6,
    ("won't", "charge"): -2.4, ("will", "not", "charge"): -2.4, ("won't", "turn", "on"): -2.8,
    ("will", "not", "turn", "on"): -2.8, ("never", "arrived"): -2.8, ("falls", "off"): -1.8,
    ("fall", "off"): -1.8, ("falls", "out"): -1.8, ("fall", "out"): -1.8, ("falling", "out"): -1.8,
    ("rip", "off"): -3.0, ("ripoff",): -3.0, ("knock", "off"): -2.2, ("cheap", "plastic"): -2.2,
    ("too", "small"): -1.6, ("too", "big"): -1.4, ("too", "large"): -1.4, ("too", "short"): -1.4,
    ("too", "thin"): -1.6, ("too", "loud"): -2.0, ("too", "tight"): -1.6, ("runs", "small"): -1.4,
    ("lasts", "all", "day"): 2.0, ("holds", "up"): 1.8, ("held", "up"): 1.4, ("holding", "up"): 1.6,
    ("stays", "put"): 1.6, ("stay", "put"): 1.4, ("on", "time"): 0.8, ("ahead", "of", "schedule"): 1.6,
    ("better", "than", "expected"): 2.6, ("worse", "than", "expected"): -2.6, ("exceeded", "my", "expectations"): 3.0,
    ("beyond", "repair"): -2.4, ("kept", "disconnecting"): -2.4, ("keeps", "disconnecting"): -2.4,
    ("love", "it"): 3.2, ("buy", "again"): 2.2, ("bought", "another"): 2.2,
    ("game", "changer"): 3.0, ("pays", "for", "itself"): 2.4,
    ("not", "happy"): -2.4,
}

# Words that scale the valence of the word they precede.
BOOSTERS = {
    "very": 0.293, "really": 0.293, "extremely": 0.4, "super": 0.35, "so": 0.25, "incredibly": 0.4,
    "absolutely": 0.4, "totally": 0.3, "completely": 0.35, "utterly": 0.4, "truly": 0.3, "highly": 0.3,
    "exceptionally": 0.4, "remarkably": 0.3, "especially": 0.2, "particularly": 0.2, "too": 0.2,
    "most": 0.3, "insanely": 0.4, "ridiculously": 0.35, "seriously": 0.3, "thoroughly": 0.3, "quite": 0.15,
    "entirely": 0.3, "deeply": 0.3, "hugely": 0.4, "way": 0.2, "even": 0.1,
    "slightly": -0.3, "somewhat": -0.3, "fairly": -0.2, "rather": -0.15, "barely": -0.4, "hardly": -0.4,
    "marginally": -0.4, "mildly": -0.3, "kinda": -0.3, "sorta": -0.3, "little": -0.3, "bit": -0.3,
    "partly": -0.3, "mostly": -0.1, "almost": -0.2,
}

NEGATIONS = {
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "without", "cannot",
    "cant", "can't", "dont", "don't", "doesnt", "doesn't", "didnt", "didn't", "isnt", "isn't", "wasnt",
    "wasn't", "arent", "aren't", "werent", "weren't", "wont", "won't", "wouldnt", "wouldn't", "couldnt",
    "couldn't", "shouldnt", "shouldn't", "hasnt", "hasn't", "havent", "haven't", "hadnt", "hadn't",
    "aint", "ain't", "lacks", "lack", "lacking", "hardly", "barely", "rarely", "seldom",
}

# Conjunctions after which the clause carries more weight than the one before.
CONTRAST_AFTER = {"but", "however", "though", "yet", "except", "still", "unfortunately", "sadly"}
# Conjunctions whose own clause carries less weight ("although it is cheap, it broke").
CONCESSIVE = {"although", "while", "whereas", "despite", "even though"}

# Aspect vocabulary: a clause that mentions one of these words lends its sentiment to the aspect.
ASPECTS = {
    "quality": {"quality", "build", "material", "materials", "made", "construction", "plastic", "craftsmanship",
                "sturdy", "flimsy", "solid", "cheaply", "stitching", "seams", "fabric"},
    "value": {"price", "value", "money", "worth", "expensive", "cheap", "overpriced", "cost", "penny",
              "bargain", "deal", "pricey", "affordable"},
    "durability": {"lasted", "last", "lasts", "durable", "durability", "broke", "broken", "apart", "months",
                   "weeks", "week", "days", "month", "washes", "wear", "flaking", "frayed", "ripped", "holding"},
    "delivery": {"shipping", "delivery", "delivered", "arrived", "arrive", "package", "packaging", "box",
                 "shipped", "courier", "transit"},
    "customer service": {"service", "seller", "support", "refund", "replacement", "warranty", "responded",
                         "response", "contacted"},
    "ease of use": {"easy", "setup", "set", "install", "instructions", "intuitive", "controls", "use",
                    "assemble", "assembly", "confusing", "buttons"},
    "design": {"design", "look", "looks", "color", "colour", "finish", "style", "stylish", "beautiful",
               "ugly", "sleek", "paint", "appearance"},
    "size and fit": {"size", "fit", "fits", "fitting", "small", "large", "tight", "loose", "snug", "big",
                     "sizing", "length", "width"},
    "comfort": {"comfortable", "comfort", "uncomfortable", "comfy", "soft", "scratchy", "itchy", "padded",
                "straps", "cushion", "cushioned", "cushioning", "blisters", "knees"},
    "battery": {"battery", "charge", "charges", "charging", "charged", "hours", "power", "dies"},
    "sound": {"sound", "audio", "bass", "volume", "treble", "speaker", "mic", "microphone", "tinny"},
    "performance": {"works", "performance", "speed", "fast", "slow", "powerful", "motor", "grind", "brightness",
                    "bright", "dim", "flickers", "insulation", "cold", "warm", "suction"},
    "connectivity": {"bluetooth", "pairing", "paired", "connection", "connects", "disconnecting", "wifi",
                     "signal", "app"},
    "noise": {"noise", "noisy", "loud", "quiet", "silent", "rattles"},
    "cleaning": {"clean", "cleaning", "wash", "washing", "dishwasher", "mold", "stain", "stains"},
    "smell": {"smell", "smells", "odor", "odour", "stinks", "scent"},
    "leaks": {"leak", "leaks", "leaked", "leaking", "leaky", "seal", "seals", "spill", "spills"},
}
