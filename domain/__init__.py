"""What an import is: types, rules, storage and the use cases. No web or queue code here."""
