"""dashboards: the Streamlit dashboard - charts, the story browser and the overview, read
from the warehouse through read-only snapshot connections (the one write: an analyst's
label, through warehouse.labels)."""
