package org.xraybridge.config;

import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xraybridge.model.Secret;

/**
 * One element of {@code bridge.xray.sources}: an AWS account and region read by its own X-Ray source
 * (docs/xray-source.md "Several accounts and regions"). Blank text is "not set". Its rules are checked
 * by {@link XRayProperties}, which knows its index and so names the key ({@code bridge.xray.sources[2].role-arn}).
 *
 * @param name required, unique: the key of the source's checkpoint, its label in health and metrics
 * @param region the AWS region; blank = the AWS SDK's region chain ({@code AWS_REGION})
 * @param roleArn a role to assume with STS ({@code arn:aws:iam::<account>:role/<name>}); blank = the
 *     bridge's own credentials
 * @param externalId the external id the role's trust policy requires; never printed
 * @param stsEndpoint override of the STS URL (VPC endpoints, tests)
 * @param endpoint override of the X-Ray API URL (VPC endpoints, tests)
 * @param filterExpression X-Ray filter expression for GetTraceSummaries
 * @param env env of this source's X-Ray spans unless a rule or annotation says otherwise; blank =
 *     {@code bridge.xray.env}
 * @param transactionSearch how the source reads an account with Transaction Search (docs/xray-source.md)
 * @param logsEndpoint override of the CloudWatch Logs URL of the logs path (VPC endpoints, tests)
 * @param spansLogGroup the log group X-Ray writes spans to, or its ARN (another account's, shared with a monitoring account)
 */
public record XRaySourceProperties(
    @DefaultValue("") String name,
    @DefaultValue("") String region,
    @DefaultValue("") String roleArn,
    @DefaultValue("") Secret externalId,
    @DefaultValue("") String stsEndpoint,
    @DefaultValue("") String endpoint,
    @DefaultValue("") String filterExpression,
    @DefaultValue("") String env,
    @DefaultValue("auto") XRayProperties.TransactionSearch transactionSearch,
    @DefaultValue("") String logsEndpoint,
    @DefaultValue("aws/spans") String spansLogGroup) {

  /** A source that follows its account's trace segment destination ({@code transaction-search=auto}, {@code aws/spans}). */
  public XRaySourceProperties(
      String name, String region, String roleArn, Secret externalId, String stsEndpoint, String endpoint,
      String filterExpression, String env) {
    this(name, region, roleArn, externalId, stsEndpoint, endpoint, filterExpression, env, XRayProperties.TransactionSearch.AUTO,
        "", XRayProperties.DEFAULT_SPANS_LOG_GROUP);
  }

  /** A source name: it names a checkpoint file and a metric tag, so letters, digits, {@code -} and {@code _}. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
  /** An IAM role ARN, in any partition. */
  static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
  /** STS's own rule for an external id. */
  static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");

  @org.springframework.boot.context.properties.bind.ConstructorBinding
  public XRaySourceProperties {
    name = name == null ? "" : name.strip();
    region = region == null ? "" : region.strip();
    roleArn = roleArn == null ? "" : roleArn.strip();
    externalId = externalId == null ? Secret.EMPTY : externalId;
    stsEndpoint = stsEndpoint == null ? "" : stsEndpoint.strip();
    endpoint = endpoint == null ? "" : endpoint.strip();
    filterExpression = filterExpression == null ? "" : filterExpression.strip();
    env = env == null ? "" : env.strip();
    transactionSearch = transactionSearch == null ? XRayProperties.TransactionSearch.AUTO : transactionSearch;
    logsEndpoint = logsEndpoint == null ? "" : logsEndpoint.strip();
    spansLogGroup = spansLogGroup == null || spansLogGroup.isBlank() ? XRayProperties.DEFAULT_SPANS_LOG_GROUP : spansLogGroup.strip();
  }

  /** The same source with {@code env}. */
  XRaySourceProperties withEnv(String env) {
    return new XRaySourceProperties(name, region, roleArn, externalId, stsEndpoint, endpoint, filterExpression, env,
        transactionSearch, logsEndpoint, spansLogGroup);
  }

  /** Checks this element's rules; every message names the key with its index {@code i}. */
  void validate(int i) {
    String key = "bridge.xray.sources[" + i + "].";
    ConfigurationException.require(!name.isEmpty(), key + "name is required: it names the source's checkpoint, health and metrics");
    ConfigurationException.require(NAME.matcher(name).matches(),
        key + "name must be 1-63 letters, digits, '-' or '_' (it names a file and a metric tag), got '" + name + "'");
    ConfigurationException.require(region.isEmpty() || XRayProperties.REGION.matcher(region).matches(),
        key + "region must be a region such as eu-west-1, got '" + region + "'");
    ConfigurationException.require(roleArn.isEmpty() || ROLE_ARN.matcher(roleArn).matches(),
        key + "role-arn must be a role ARN such as arn:aws:iam::123456789012:role/xray-datadog-bridge, got '" + roleArn + "'");
    ConfigurationException.require(externalId.isEmpty() || !roleArn.isEmpty(),
        key + "external-id is only sent with a role: set " + key + "role-arn too");
    ConfigurationException.require(externalId.isEmpty() || EXTERNAL_ID.matcher(externalId.reveal()).matches(),
        key + "external-id must be 2-1224 letters, digits or +=,.@:/-_ (STS's rule)");
    ConfigurationException.require(stsEndpoint.isEmpty() || !roleArn.isEmpty(),
        key + "sts-endpoint is only used to assume a role: set " + key + "role-arn too");
    XRayProperties.requireUrl(stsEndpoint, key + "sts-endpoint", "https://sts.eu-west-1.amazonaws.com");
    XRayProperties.requireUrl(endpoint, key + "endpoint", "https://xray.eu-west-1.amazonaws.com");
    XRayProperties.requireUrl(logsEndpoint, key + "logs-endpoint", "https://logs.eu-west-1.amazonaws.com");
    XRayProperties.requireLogGroup(spansLogGroup, key + "spans-log-group");
  }
}
