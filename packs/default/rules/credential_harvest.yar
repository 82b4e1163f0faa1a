// Credential and card harvesting: forms and scripts that collect passwords, card data or identity
// documents and send them somewhere they should not go.

rule CH_Card_And_Identity_Harvest
{
    meta:
        description = "Asks for card number and CVV together with a PIN, SSN or security answer"
        family = "credential-harvest"
        severity = "high"
    strings:
        $card1 = "card number" nocase
        $card2 = "cardnumber" nocase
        $cvv1 = "cvv" nocase fullword
        $cvv2 = "security code" nocase
        $id1 = "atm pin" nocase
        $id2 = "social security number" nocase
        $id3 = "mother's maiden name" nocase
        $id4 = /name=["']?(ssn|atmpin|atm_pin|cardpin|maiden)["' >]/i
    condition:
        any of ($card*) and any of ($cvv*) and any of ($id*)
}

rule CH_Form_Backend_Service_Password
{
    meta:
        description = "Password form posting to a free form-handling service"
        family = "credential-harvest"
        severity = "high"
    strings:
        $svc1 = /action=["']https?:\/\/(www\.)?(formspree\.io|formsubmit\.co|getform\.io|submit-form\.com|api\.web3forms\.com)\//i
        $pw = /type=["']?password/i
    condition:
        $svc1 and $pw
}

rule CH_Ajax_Credential_Exfil
{
    meta:
        description = "Script posts the typed password to a PHP script on another host"
        family = "credential-harvest"
        severity = "medium"
    strings:
        $ajax = /\$\.(ajax|post)\(/
        $fetch = "fetch(" ascii
        $pw = /["']?(pass|password|passwd|pwd)["']?\s{0,2}:\s{0,2}(\$\(|document\.|pw|pass)/
        $php = /["']https?:\/\/[a-z0-9.-]{4,80}\/[a-z0-9_\/.-]{0,80}\.php["']/
    condition:
        ($ajax or $fetch) and $pw and $php
}

rule CH_Email_Prefill_From_Link
{
    meta:
        description = "Victim's e-mail address taken from the link (fragment or query, often base64)"
        family = "credential-harvest"
        severity = "medium"
    strings:
        $hash = /location\.(hash|search)\.(substr|substring|slice|split|replace)\(/
        $atob = "atob(" ascii
        $email = /(email|mail|user)[A-Za-z]{0,8}\s{0,2}=|getElementById\(["'](email|mail|user)/
        $at = "indexOf(\"@\")" ascii
        $at2 = "includes('@')" ascii
        $at3 = "indexOf('@')" ascii
    condition:
        $hash and $email and ($atob or any of ($at*))
}

rule CH_Account_Suspension_Lure
{
    meta:
        description = "Several account-suspension pressure phrases next to a password prompt"
        family = "credential-harvest"
        severity = "medium"
    strings:
        $l1 = "account has been limited" nocase
        $l2 = "account has been suspended" nocase
        $l3 = "unusual activity" nocase
        $l4 = "verify your identity" nocase
        $l5 = "within 24 hours" nocase
        $l6 = "permanently closed" nocase
        $l7 = "confirm your information" nocase
        $pw = "password" nocase
    condition:
        3 of ($l*) and $pw
}

rule CH_Shared_Document_Login_Lure
{
    meta:
        description = "Fake shared document asking for the e-mail password to open it"
        family = "credential-harvest"
        severity = "medium"
    strings:
        $d1 = "shared a document with you" nocase
        $d2 = "to view the document" nocase
        $d3 = "sign in with your email" nocase
        $d4 = "verify your email password" nocase
        $d5 = "secured document" nocase
        $pw = /type=["']?password/i
        $pwt = "password" nocase
    condition:
        2 of ($d*) and ($pw or $pwt)
}

rule CH_Email_Provider_Picker
{
    meta:
        description = "Lets the victim pick Outlook / Office 365 / Gmail / Yahoo / AOL to 'sign in'"
        family = "credential-harvest"
        severity = "medium"
    strings:
        $p1 = "sign in with outlook" nocase
        $p2 = "sign in with office 365" nocase
        $p3 = "sign in with gmail" nocase
        $p4 = "sign in with yahoo" nocase
        $p5 = "sign in with aol" nocase
        $p6 = "other mail" nocase
    condition:
        3 of them
}
