"""gymnasium.envs.classic_control: CartPole."""
