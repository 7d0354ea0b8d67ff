//! Handler of the notification-processor Lambda (filled by its issue).
