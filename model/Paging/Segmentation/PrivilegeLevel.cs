namespace MMSpec.Model.Paging.Segmentation;

/// <summary>An x86 privilege level (ring): 0 is the kernel, 3 is user space; CPL, RPL and DPL are all of this
/// kind.</summary>
public readonly record struct PrivilegeLevel
{
    public const int Max = 3;

    public PrivilegeLevel(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Max);
        Value = value;
    }

    public static PrivilegeLevel Kernel => new(0);

    public static PrivilegeLevel User => new(Max);

    public int Value { get; }

    /// <summary>The less privileged of the two (the larger number): the effective level of a selector used at a
    /// CPL.</summary>
    public static PrivilegeLevel LeastPrivileged(PrivilegeLevel a, PrivilegeLevel b) => new(Math.Max(a.Value, b.Value));

    public override string ToString() => $"{Value}";
}
