"""Product catalogue vocabulary the demo dataset is built from (categories, brands, phrases)."""

# category -> (title noun, typical cost range, aspects with (positive, negative) review phrases,
#              search terms with monthly volume, bullet facts)
CATEGORIES = {
    "wireless earbuds": {
        "noun": "Wireless Earbuds", "cost": (8.0, 30.0),
        "phrases": {
            "sound": ("The sound is crisp and the bass is rich.", "The sound is tinny and the bass is weak."),
            "battery": ("Battery lasts all day on a single charge.", "The battery dies after barely two hours."),
            "fit": ("They fit snugly and stay in during runs.", "They keep falling out of my ears."),
            "connectivity": ("Pairing was instant and the connection is stable.",
                             "The bluetooth connection drops constantly."),
        },
        "terms": [("bluetooth earbuds", 91000), ("wireless earbuds", 246000), ("noise cancelling", 74000),
                  ("earbuds with mic", 33000), ("waterproof earbuds", 27000), ("sports earbuds", 18000),
                  ("long battery life", 12000), ("charging case", 9900)],
        "facts": ["Up to 30 hours of playback with the charging case", "Bluetooth 5.3 for a stable connection",
                  "IPX5 sweat and water resistance", "Three sizes of silicone ear tips included",
                  "Built-in microphone for hands-free calls"],
    },
    "yoga mat": {
        "noun": "Yoga Mat", "cost": (6.0, 22.0),
        "phrases": {
            "grip": ("The grip is excellent even in hot yoga.", "It is slippery as soon as I sweat."),
            "thickness": ("Thick enough to protect my knees.", "Far too thin, my knees hurt on hard floors."),
            "smell": ("No chemical smell at all out of the box.", "It has a strong rubber smell that will not fade."),
            "durability": ("Still looks new after months of daily use.", "It started flaking after two weeks."),
        },
        "terms": [("yoga mat", 301000), ("non slip yoga mat", 60500), ("thick yoga mat", 40500),
                  ("exercise mat", 49500), ("eco friendly yoga mat", 8100), ("yoga mat with strap", 14800),
                  ("pilates mat", 22200), ("extra wide yoga mat", 6600)],
        "facts": ["Non-slip textured surface on both sides", "6 mm cushioning for joints",
                  "Free of latex and PVC", "Carrying strap included", "Measures 72 x 24 inches"],
    },
    "water bottle": {
        "noun": "Insulated Water Bottle", "cost": (4.0, 16.0),
        "phrases": {
            "insulation": ("Keeps water ice cold for a full day.", "Drinks are lukewarm within a couple of hours."),
            "leaks": ("The lid seals tightly, no leaks in my bag.", "The lid leaks all over my backpack."),
            "cleaning": ("Easy to clean with the wide mouth.", "Impossible to clean, mold grows in the lid."),
            "design": ("The finish is beautiful and feels premium.", "The paint chipped off within days."),
        },
        "terms": [("water bottle", 368000), ("insulated water bottle", 49500), ("stainless steel water bottle", 40500),
                  ("leak proof water bottle", 12100), ("water bottle with straw", 33100), ("bpa free", 9900),
                  ("32 oz water bottle", 22200), ("kids water bottle", 27100)],
        "facts": ["Double-wall vacuum insulation", "Leak-proof lid with carry loop", "BPA-free 18/8 stainless steel",
                  "Wide mouth fits ice cubes", "Cold for 24 hours, hot for 12"],
    },
    "desk lamp": {
        "noun": "LED Desk Lamp", "cost": (9.0, 28.0),
        "phrases": {
            "brightness": ("Bright, even light that is easy on the eyes.", "The light flickers and is too dim."),
            "build": ("Solid metal arm that holds its position.", "The arm is flimsy and droops."),
            "controls": ("The touch controls are responsive.", "The touch controls barely respond."),
            "usb port": ("The USB port charges my phone while I work.", "The USB port stopped working."),
        },
        "terms": [("desk lamp", 135000), ("led desk lamp", 40500), ("dimmable desk lamp", 9900),
                  ("desk lamp with usb port", 8100), ("eye caring lamp", 5400), ("architect lamp", 12100),
                  ("reading lamp", 27100), ("home office lighting", 6600)],
        "facts": ["Five color temperatures and ten brightness levels", "Flicker-free LEDs",
                  "USB charging port in the base", "Adjustable swing arm", "Auto-off timer"],
    },
    "phone charger": {
        "noun": "USB-C Fast Charger", "cost": (3.0, 14.0),
        "phrases": {
            "speed": ("Charges my phone incredibly fast.", "Charging is painfully slow."),
            "heat": ("Stays cool even when charging two devices.", "It gets dangerously hot."),
            "cable": ("The braided cable feels durable.", "The cable frayed within a month."),
            "compatibility": ("Works with my phone, tablet and laptop.", "My phone does not recognise it."),
        },
        "terms": [("usb c charger", 110000), ("fast charger", 60500), ("iphone charger", 201000),
                  ("wall charger", 27100), ("gan charger", 14800), ("20w charger", 22200),
                  ("dual port charger", 9900), ("charger block", 40500)],
        "facts": ["20 W USB-C Power Delivery", "Foldable plug for travel", "Over-heat and over-current protection",
                  "Compatible with phones, tablets and earbuds", "Braided 6 ft cable included"],
    },
    "coffee grinder": {
        "noun": "Burr Coffee Grinder", "cost": (14.0, 45.0),
        "phrases": {
            "grind": ("The grind is consistent from espresso to french press.", "The grind is uneven with lots of dust."),
            "noise": ("Surprisingly quiet for a grinder.", "It is deafeningly loud."),
            "cleaning": ("Easy to take apart and clean.", "Grounds get stuck everywhere and it is a pain to clean."),
            "motor": ("The motor is powerful and never stalls.", "The motor burned out after a month."),
        },
        "terms": [("coffee grinder", 165000), ("burr grinder", 33100), ("electric coffee grinder", 27100),
                  ("espresso grinder", 18100), ("conical burr grinder", 12100), ("coffee bean grinder", 22200),
                  ("adjustable grind", 4400), ("quiet coffee grinder", 2900)],
        "facts": ["Conical stainless steel burrs", "18 grind settings", "Holds up to 12 cups of beans",
                  "Removable upper burr for cleaning", "Safety lock on the lid"],
    },
    "running socks": {
        "noun": "Cushioned Running Socks", "cost": (2.5, 9.0),
        "phrases": {
            "comfort": ("Soft and comfortable on long runs.", "They feel scratchy and uncomfortable."),
            "blisters": ("No more blisters since I switched.", "They gave me blisters on the first run."),
            "size": ("True to size and they stay up.", "They run small and slide down into my shoes."),
            "durability": ("Still holding up after many washes.", "Holes in the heel after a few washes."),
        },
        "terms": [("running socks", 49500), ("athletic socks", 60500), ("compression socks", 135000),
                  ("moisture wicking socks", 9900), ("ankle socks", 74000), ("blister resistant socks", 2400),
                  ("cushioned socks", 8100), ("merino wool socks", 33100)],
        "facts": ["Moisture-wicking blend keeps feet dry", "Cushioned heel and toe", "Arch compression band",
                  "Seamless toe reduces blisters", "Pack of six pairs"],
    },
    "backpack": {
        "noun": "Travel Laptop Backpack", "cost": (12.0, 35.0),
        "phrases": {
            "capacity": ("Fits my laptop and a week of clothes.", "Much smaller inside than it looks."),
            "zippers": ("The zippers are smooth and sturdy.", "A zipper broke on the first trip."),
            "straps": ("The padded straps are comfortable all day.", "The straps dig into my shoulders."),
            "material": ("The fabric is tough and water resistant.", "The fabric ripped at the seams."),
        },
        "terms": [("laptop backpack", 110000), ("travel backpack", 90500), ("carry on backpack", 40500),
                  ("backpack with usb charging port", 12100), ("water resistant backpack", 8100),
                  ("anti theft backpack", 22200), ("17 inch laptop backpack", 9900), ("work backpack", 14800)],
        "facts": ["Padded compartment fits 17-inch laptops", "Water-resistant polyester", "USB charging port",
                  "Luggage strap slides over suitcase handles", "Hidden anti-theft pocket"],
    },
}

OUR_BRANDS = ["Lumora", "Trailpeak", "Brewcraft", "Voltwise", "Kindred & Co"]
COMPETITOR_SELLERS = ["ValueMart Direct", "ShopRight", "PrimeGoods", "DealHub", "Everyday Outlet", "TopShelf Store",
                      "Bargain Bay", "Northwind Retail"]
MARKETPLACES = ["amazon_us", "walmart_us"]

# Marketplace reason codes for returns, and the free text buyers write for each taxonomy class.
RETURN_CODES = {
    "defective": ["DEFECTIVE", "QUALITY_UNACCEPTABLE"],
    "wrong_item": ["WRONG_ITEM_SENT"],
    "not_as_described": ["NOT_AS_DESCRIBED"],
    "size_fit": ["SIZE_TOO_SMALL", "SIZE_TOO_LARGE"],
    "damaged_in_shipping": ["DAMAGED_BY_CARRIER"],
    "changed_mind": ["UNWANTED_ITEM", "NO_LONGER_NEEDED"],
    "late_delivery": ["ARRIVED_LATE"],
    "other": ["OTHER", "NO_REASON_GIVEN"],
}
RETURN_TEXTS = {
    "defective": ["Stopped working after three days", "Will not turn on at all", "Broke the first time I used it",
                  "Faulty unit, keeps shutting off", "Poor quality, cracked after a week"],
    "wrong_item": ["Received a completely different product", "Wrong color was sent",
                   "Package contained the wrong model"],
    "not_as_described": ["Looks nothing like the photos", "Smaller than the listing said",
                         "Material is different from the description"],
    "size_fit": ["Too small for me", "Runs large, had to send back", "Doesn't fit, ordered the wrong size"],
    "damaged_in_shipping": ["Box was crushed and the item is dented", "Arrived broken, packaging was torn open",
                            "Shattered in transit"],
    "changed_mind": ["Don't need it anymore", "Found a cheaper one elsewhere", "Bought by mistake",
                     "Changed my mind", "Gift recipient did not want it"],
    "late_delivery": ["Arrived two weeks late, no longer needed", "Took too long to arrive",
                      "Missed the delivery date I was promised"],
    "other": ["", "See notes", "Returning per my earlier message"],
}
