"""The domain core: units, periods, indicators, problems and messages, text."""
