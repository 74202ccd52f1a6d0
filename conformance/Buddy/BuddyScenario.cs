using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>A generated machine and the operations run on it; prints one call per line.</summary>
public sealed record BuddyScenario(MemoryLayout Layout, ImmutableArray<BuddyStep> Steps)
{
    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format(Layout, Steps);
}
