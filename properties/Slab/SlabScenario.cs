using System.Collections.Immutable;
using System.Text;
using MMSpec.Model.Buddy;

namespace MMSpec.Properties.Slab;

/// <summary>A generated machine and the slab operations run on it; prints one call per line.</summary>
public sealed record SlabScenario(MemoryLayout Layout, ImmutableArray<SlabStep> Steps)
{
    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(Layout.ToString());
        for (var i = 0; i < Steps.Length; i++)
        {
            text.AppendLine($"  {i,3}: {Steps[i]}");
        }

        return text.ToString();
    }
}
