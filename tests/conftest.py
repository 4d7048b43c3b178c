import sys
from pathlib import Path

# Helpers shared by the tests (xlwings_windows) live beside them.
sys.path.insert(0, str(Path(__file__).parent))
