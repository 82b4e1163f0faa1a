// Phishing-kit residue: markers, exfiltration channels and anti-analysis code that kits leave in
// the pages they serve. Written for FerretWatch's YARA subset (docs/yara-subset.md); each rule
// runs separately over a page's visible text, HTML source and inline script.

rule PK_Telegram_Bot_Exfiltration
{
    meta:
        description = "Sends form data to a Telegram bot (a real bot token, not a placeholder)"
        family = "phishing-kit"
        severity = "high"
    strings:
        $token = /api\.telegram\.org\/bot[0-9]{8,10}:[A-Za-z0-9_-]{30,40}/
        $send = "sendMessage" ascii
        $chat = "chat_id" ascii
    condition:
        $token and ($send or $chat)
}

rule PK_Known_Kit_Marker_Comment
{
    meta:
        description = "HTML comment naming a known phishing kit (16shop, kr3pto, ...) in a page with a form"
        family = "phishing-kit"
        severity = "high"
    strings:
        $c = /<!--[^>]{0,120}(16shop|kr3pto|ex-robotos|z0n3[ _-]?kit|xb0t[ _-]?panel)/i
        $form = /<(form|input)[ >]/i
    condition:
        $c and $form
}

rule PK_PHP_Handler_Residue
{
    meta:
        description = "Kit PHP mail handler source left in an HTML comment"
        family = "phishing-kit"
        severity = "high"
    strings:
        $comment_post = /<!--[^>]{0,400}\$_POST\[['"](pass|password|passwd|pwd|email|user)['"]\]/s
        $mail = /mail\(\s{0,4}\$(to|send|recipient)/
        $ip = "REMOTE_ADDR" ascii
    condition:
        $comment_post and ($mail or $ip)
}

rule PK_Antibot_Crawler_Filter
{
    meta:
        description = "Script hides the page from security crawlers by user agent"
        family = "phishing-kit"
        severity = "medium"
    strings:
        $ua = "navigator.userAgent" ascii
        $bot1 = "phishtank" nocase
        $bot2 = "netcraft" nocase
        $bot3 = "urlscan" nocase
        $bot4 = "safebrowsing" nocase
        $bot5 = "virustotal" nocase
        $bot6 = "openphish" nocase
    condition:
        $ua and 2 of ($bot*)
}

rule PK_Hidden_Iframe
{
    meta:
        description = "Invisible iframe loading another page (not a tag-manager beacon)"
        family = "phishing-kit"
        severity = "medium"
    strings:
        $zero = { 3C 69 66 72 61 6D 65 [1-160] 77 69 64 74 68 3D ( 22 | 27 ) 30 ( 22 | 27 ) [1-40] 68 65 69 67 68 74 3D ( 22 | 27 ) 30 ( 22 | 27 ) }
        $css = /<iframe[^>]{1,200}style=["'][^"']{0,40}(display:\s?none|visibility:\s?hidden)/i
        $gtm = "googletagmanager.com/ns.html" ascii
    condition:
        ($zero or $css) and not $gtm
}

rule PK_Victim_Fingerprint_Collector
{
    meta:
        description = "Script looks up the visitor's IP address and sends it with the password"
        family = "phishing-kit"
        severity = "medium"
    strings:
        $ip1 = "api.ipify.org" ascii
        $ip2 = "ipapi.co/json" ascii
        $ip3 = "ip-api.com/json" ascii
        $ip4 = "ipinfo.io/json" ascii
        $ua = "navigator.userAgent" ascii
        $pw = /["'](pass|password|passwd|pwd)["']\s{0,2}[:,]/
    condition:
        any of ($ip*) and $ua and $pw
}

rule PK_Fingerprint_And_Antibot
{
    meta:
        description = "Both crawler cloaking and victim fingerprinting: a full kit loader"
        family = "phishing-kit"
        severity = "high"
    condition:
        PK_Antibot_Crawler_Filter and PK_Victim_Fingerprint_Collector
}

rule PK_ZeroWidth_Brand_Split
{
    meta:
        description = "Brand name broken up with invisible characters to dodge text filters"
        family = "phishing-kit"
        severity = "medium"
    strings:
        $paypal = { 50 61 79 ( E2 80 8B | E2 80 8C | E2 80 8D | C2 AD ) 50 61 6C }
        $microsoft = { 4D 69 63 72 6F ( E2 80 ?? | C2 AD ) 73 6F 66 74 }
        $apple = { 41 70 ( E2 80 8B | C2 AD ) 70 6C 65 }
        $amazon = { 41 6D 61 ( E2 80 8B | C2 AD ) 7A 6F 6E }
    condition:
        any of them
}
