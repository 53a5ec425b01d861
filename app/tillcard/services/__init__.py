"""Use cases: checkout, recharge, card administration, auth. Free of Qt."""
