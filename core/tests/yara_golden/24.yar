rule r : t t { condition: true }
