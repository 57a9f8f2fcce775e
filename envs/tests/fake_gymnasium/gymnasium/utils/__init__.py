"""gymnasium.utils: seeding."""
