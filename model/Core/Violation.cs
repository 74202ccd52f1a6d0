namespace MMSpec.Model.Core;

/// <summary>A named rule that does not hold, and where: what a failing property reports.</summary>
public sealed record Violation(string Rule, string Detail)
{
    public override string ToString() => $"[{Rule}] {Detail}";
}
