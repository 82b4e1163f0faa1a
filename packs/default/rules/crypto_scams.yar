// Crypto scams: seed-phrase harvesting, wallet drainers and "double your coins" giveaways.

rule CS_Seed_Phrase_Word_Grid
{
    meta:
        description = "Twelve or more numbered inputs for recovery-phrase words"
        family = "crypto-scam"
        severity = "high"
    strings:
        $w = /name=["']?(word|seed|phrase|mnemonic)[_-]?[0-9]{1,2}["' >]/i
    condition:
        #w >= 12
}

rule CS_Seed_Phrase_Import_Box
{
    meta:
        description = "Free-text box for a 12/24-word recovery phrase on a wallet 'restore' page"
        family = "crypto-scam"
        severity = "high"
    strings:
        $box = /<textarea[^>]{0,200}name=["']?(mnemonic|phrase|seed|seedphrase|recovery|private_?key)["' >]/i
        $t1 = "12 or 24" nocase
        $t2 = "12, 18 or 24" nocase
        $t3 = "separate each word with a space" nocase
        $t4 = "typically 12" nocase
    condition:
        $box and any of ($t*)
}

rule CS_Wallet_Drainer_Script
{
    meta:
        description = "Script asks the wallet for unlimited approvals and reports to a drainer backend"
        family = "crypto-scam"
        severity = "high"
    strings:
        $req = "eth_requestAccounts" ascii
        $a1 = "setApprovalForAll" ascii
        $a2 = "increaseAllowance" ascii
        $a3 = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" nocase
        $x1 = "receiverAddress" ascii
        $x2 = "drainer" nocase
        $x3 = "api.telegram.org" ascii
    condition:
        $req and 2 of ($a*) and any of ($x*)
}

rule CS_Giveaway_Doubling
{
    meta:
        description = "'Send crypto and get double back' giveaway"
        family = "crypto-scam"
        severity = "medium"
    strings:
        $g1 = "giveaway" nocase
        $g2 = /send (from )?[0-9.]{1,6} ?(to [0-9.]{1,6} )?(btc|eth|usdt)/i
        $g3 = "we will send back" nocase
        $g4 = /(double|2x) (the amount|your (btc|eth|crypto|coins))/i
        $addr = /(bc1|0x)[a-zA-Z0-9]{38,40}/
    condition:
        3 of ($g*) and $addr
}
