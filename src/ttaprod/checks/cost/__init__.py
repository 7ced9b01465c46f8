"""Cost management: the accounting of LLM calls and the budgets above them."""
