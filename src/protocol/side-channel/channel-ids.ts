// Built-in side-channel ids (docs/protocol.md §5.3), canonical lowercase form.
export const ENGINE_CONFIGURATION_CHANNEL_ID = "e951342c-4f7e-11ea-b238-784f4387d1f7";
export const ENVIRONMENT_PARAMETERS_CHANNEL_ID = "534c891e-810f-11ea-a9d0-822485860400";
/** uuid5(URL, "com.unity.ml-agents/StatsSideChannel") */
export const STATS_CHANNEL_ID = "a1d8f7b7-cec8-50f9-b78b-d3e165a78520";
/** uuid5(URL, "com.unity.ml-agents/TrainingAnalyticsSideChannel") */
export const TRAINING_ANALYTICS_CHANNEL_ID = "b664a4a9-d86f-5a5f-95cb-e8353a7e8356";
/** Default id of the optional, user-registered FloatPropertiesChannel. */
export const FLOAT_PROPERTIES_CHANNEL_ID = "60ccf7d0-4f7e-11ea-b238-784f4387d1f7";
