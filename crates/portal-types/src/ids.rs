use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        // Ids only ever arrive as JSON strings; uuid's own decoder also takes
        // bytes and sequences, which costs the wasm a few kilobytes.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Uuid::try_parse(&text).map($name).map_err(|_| serde::de::Error::custom("expected a UUID"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_newtype!(
    /// A person who signs in to the portal.
    UserId
);
id_newtype!(
    /// A device object: the record linking a user to one of their devices.
    DeviceId
);
id_newtype!(
    /// A remote action queued for a device.
    CommandId
);
