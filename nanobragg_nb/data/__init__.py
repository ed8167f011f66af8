"""Package data: the demo's structure factors and the script that makes them."""
