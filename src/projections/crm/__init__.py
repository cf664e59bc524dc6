"""CRM: the pipeline's stages, leads, deals (with their bitemporal spans), contacts, activities
and follow-ups (the ``crm`` read model), the pipeline analytics and the customer 360, and the
CRM lists (leads, activities, contacts, stages)."""
