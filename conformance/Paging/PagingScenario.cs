using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>A generated machine (paging format and frames) and the operations run on it; prints one call per
/// line.</summary>
public sealed record PagingScenario(PagingFormat Format, ulong Frames, ImmutableArray<PagingStep> Steps)
{
    public MemoryLayout Layout => MemoryLayout.Flat(Frames);

    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format($"{Format}, {Frames} frames", Steps);
}
