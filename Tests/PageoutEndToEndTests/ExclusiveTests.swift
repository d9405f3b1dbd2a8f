import Testing

/// Tests that change machine-wide state (swapoff) or need the machine to themselves (timing). They are nested
/// here so that they run one after another, and scripts/test.sh runs this suite alone, after all the others.
@Suite(.serialized) enum ExclusiveTests {}
