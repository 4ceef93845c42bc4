using Unity.MLAgents;
using Unity.MLAgents.Actuators;
using Unity.MLAgents.Sensors;
using UnityEngine;

/// <summary>
/// Balance a ball on a tilting platform: ML-Agents' 3DBall, written to match mlagents-ts'
/// built-in environment `builtin:3dball` (src/emulator/environments/ball-3d.ts), which follows
/// ML-Agents' own 3DBall prefab (a 5x5x5 cube, a ball of radius 0.5), so a policy trained on
/// either drives the other. test/unity-sample/spec-match.test.ts keeps the two in step: same
/// behavior name, observation order, sizes and meaning, same actions, same platform and ball.
/// Put this on the platform, next to Behavior Parameters ("3DBall", vector observation 8,
/// 2 continuous actions) and a Decision Requester (period 5).
/// Compiles on Unity 2023.2 (Rigidbody.velocity) and Unity 6 (Rigidbody.linearVelocity).
/// </summary>
public class Ball3DAgent : Agent
{
    /// <summary>Behavior Parameters' Behavior Name; results/&lt;run-id&gt;/3DBall.onnx is named after it.</summary>
    public const string BehaviorName = "3DBall";
    /// <summary>Vector Observation Space Size: 2 rotation components + 3 position + 3 velocity.</summary>
    public const int ObservationSize = 8;
    /// <summary>Continuous actions: tilt about z, tilt about x.</summary>
    public const int ContinuousActions = 2;

    [Tooltip("The ball's GameObject (with a Rigidbody); not a child of the platform.")]
    public GameObject ball;

    Rigidbody m_BallRb;
    EnvironmentParameters m_ResetParams;

    /// <summary>The ball's Rigidbody velocity: Unity 6 renamed Rigidbody.velocity to linearVelocity.</summary>
    Vector3 BallVelocity
    {
#if UNITY_6000_0_OR_NEWER
        get => m_BallRb.linearVelocity;
        set => m_BallRb.linearVelocity = value;
#else
        get => m_BallRb.velocity;
        set => m_BallRb.velocity = value;
#endif
    }

    public override void Initialize()
    {
        m_BallRb = ball.GetComponent<Rigidbody>();
        m_ResetParams = Academy.Instance.EnvironmentParameters;
        SetResetParameters();
    }

    public override void CollectObservations(VectorSensor sensor)
    {
        // Order, sizes and meaning as ball-3d.ts collectObservations: 1 + 1 + 3 + 3 floats.
        sensor.AddObservation(transform.rotation.z);
        sensor.AddObservation(transform.rotation.x);
        sensor.AddObservation(ball.transform.position - transform.position);
        sensor.AddObservation(BallVelocity);
    }

    public override void OnActionReceived(ActionBuffers actionBuffers)
    {
        // Each action turns the platform by up to 2 degrees while it stays within about 29 degrees.
        var actionZ = 2f * Mathf.Clamp(actionBuffers.ContinuousActions[0], -1f, 1f);
        var actionX = 2f * Mathf.Clamp(actionBuffers.ContinuousActions[1], -1f, 1f);

        if ((transform.rotation.z < 0.25f && actionZ > 0f) || (transform.rotation.z > -0.25f && actionZ < 0f))
        {
            transform.Rotate(new Vector3(0, 0, 1), actionZ);
        }
        if ((transform.rotation.x < 0.25f && actionX > 0f) || (transform.rotation.x > -0.25f && actionX < 0f))
        {
            transform.Rotate(new Vector3(1, 0, 0), actionX);
        }

        var offset = ball.transform.position - transform.position;
        if (offset.y < -2f || Mathf.Abs(offset.x) > 3f || Mathf.Abs(offset.z) > 3f)
        {
            SetReward(-1f);
            EndEpisode();
        }
        else
        {
            SetReward(0.1f);
        }
    }

    public override void OnEpisodeBegin()
    {
        transform.rotation = Quaternion.identity;
        transform.Rotate(new Vector3(1, 0, 0), Random.Range(-10f, 10f));
        transform.Rotate(new Vector3(0, 0, 1), Random.Range(-10f, 10f));
        BallVelocity = Vector3.zero;
        m_BallRb.angularVelocity = Vector3.zero;
        ball.transform.position = new Vector3(Random.Range(-1.5f, 1.5f), 4f, Random.Range(-1.5f, 1.5f)) + transform.position;
        SetResetParameters();
    }

    public override void Heuristic(in ActionBuffers actionsOut)
    {
        var continuousActionsOut = actionsOut.ContinuousActions;
        continuousActionsOut[0] = -Input.GetAxis("Horizontal");
        continuousActionsOut[1] = Input.GetAxis("Vertical");
    }

    /// <summary>The environment parameters the built-in environment reads: mass, scale, gravity.</summary>
    void SetResetParameters()
    {
        m_BallRb.mass = m_ResetParams.GetWithDefault("mass", 1.0f);
        var scale = m_ResetParams.GetWithDefault("scale", 1.0f);
        ball.transform.localScale = new Vector3(scale, scale, scale);
        Physics.gravity = new Vector3(0f, -m_ResetParams.GetWithDefault("gravity", 9.81f), 0f);
    }
}
