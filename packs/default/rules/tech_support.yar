// Tech-support scams: fake virus warnings that lock the browser and push a phone number.

rule TS_Infected_Call_Number
{
    meta:
        description = "Fake infection warning that tells the visitor to call a toll-free number"
        family = "tech-support-scam"
        severity = "high"
    strings:
        $w1 = "your computer is infected" nocase
        $w2 = "has been blocked" nocase
        $w3 = "virus detected" nocase
        $w4 = "pornographic spyware" nocase
        $w5 = "do not restart your computer" nocase
        $call = /call (us|now|microsoft|apple|windows|support|the help ?desk|a (certified )?technician)/i
        $phone = /\+?1?[ (-]{0,2}8[0-8]{2}[) .-]{1,2}[0-9]{3}[ .-][0-9]{4}/
    condition:
        2 of ($w*) and $call and $phone
}

rule TS_Browser_Locker_Script
{
    meta:
        description = "Script traps the visitor: fullscreen, leave-page prompts and alert loops"
        family = "tech-support-scam"
        severity = "medium"
    strings:
        $fs = "requestFullscreen" nocase
        $unload = /onbeforeunload|addEventListener\(["']beforeunload/
        $alert = /alert\(\s{0,2}["'][^"']{0,100}(virus|infected|error|call|warning)/i
        $push = /for\s?\([^)]{0,60}\)\s?\{?\s?(window\.)?history\.pushState/
    condition:
        3 of them
}

rule TS_Fake_Security_Center
{
    meta:
        description = "Imitation security-center page with a support number"
        family = "tech-support-scam"
        severity = "medium"
    strings:
        $s1 = "windows defender security center" nocase
        $s2 = "apple security alert" nocase
        $s3 = "access to this pc has been blocked" nocase
        $s4 = "toll free" nocase
        $s5 = "error # 0x" nocase
    condition:
        3 of them
}
