rule r {
  condition:
    pe_thing
}
