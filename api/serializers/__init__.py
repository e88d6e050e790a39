"""What the API says of each thing, and what it accepts: one module per resource."""
