"""Reports: the definitions behind every rate, the pages and charts that show them, and exports."""
