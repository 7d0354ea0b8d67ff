//! Handler of the quota-calculator Lambda (filled by its issue).
