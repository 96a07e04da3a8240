"""Planning: due dates, My plan, the head's plans of the week, ad-hoc contacts, calendar feed."""
