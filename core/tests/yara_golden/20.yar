rule r {
  strings:
    $a = "abc"
  condition:
    any of ($b*)
}
