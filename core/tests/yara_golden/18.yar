rule r {
  strings:
    $a = /a[bc/
  condition:
    $a
}
