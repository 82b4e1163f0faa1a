rule r {
  condition:
    true
/* never closed
