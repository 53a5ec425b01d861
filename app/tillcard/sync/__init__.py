"""Link state, outbox back-fill and pull of card changes between a till and the centre."""
