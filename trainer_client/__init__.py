"""The trainer side: rewards from verifier grades for TRL's GRPOTrainer."""
