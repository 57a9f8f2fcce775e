"""Sample environments for the AgentRnn env bridge (pure Python; numpy used when present)."""
