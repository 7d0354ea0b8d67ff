//! Handler of the alarm-updater Lambda (filled by its issue).
