"""Pure domain model: money, cards, wallet, rules, keypad, quotes, journal entries."""
