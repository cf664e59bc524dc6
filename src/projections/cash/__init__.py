"""Cash: what moved through the bank (``actuals``), what is expected to (``forecasts``), and a
past forecast against what happened. The one room that reads every other: the forecast takes open
items, payment delays and customers' terms from finance, committed labour and retainers from
delivery, and the weighted pipeline from CRM's deal spans (ADR 0028)."""
