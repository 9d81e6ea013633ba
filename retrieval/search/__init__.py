"""Questions in, cited passages out: filters, fusion, grouping, diversity and highlights."""
