"""Page forms. They parse what a person typed; the rules live in the services,
whose ValidationError messages the views put next to the fields."""
