"""DMN decision tables and the FEEL subset they use."""
