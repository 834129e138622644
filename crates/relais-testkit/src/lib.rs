//! relais-testkit
