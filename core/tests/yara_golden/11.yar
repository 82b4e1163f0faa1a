rule r {
  strings:
    $a = /ab(?i)c/
  condition:
    $a
}
