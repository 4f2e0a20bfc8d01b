"""Travel groups: the cases on one flight, their escorts, and the manifest."""
