# Build with the Maven wrapper on a JDK, run on a JRE as a non-root user.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -q -B dependency:resolve-plugins dependency:resolve -Dmdep.skip=false || true
COPY src/ src/
# tests run in CI; the image only packages (and does not fetch the test-only Datadog tracer)
RUN ./mvnw -q -B -DskipTests -Dmdep.skip=true package

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app bridge \
    && mkdir -p /app/data /app/config && chown -R bridge /app
WORKDIR /app
COPY --from=build /src/target/xray-datadog-bridge.jar /app/xray-datadog-bridge.jar
USER 10001
# In a container the receivers listen on every interface; heap follows the container's memory limit.
ENV BRIDGE_RECEIVER_HOST=0.0.0.0 \
    BRIDGE_DAEMON_HOST=0.0.0.0 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080 8126 2000/udp
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["java", "-jar", "/app/xray-datadog-bridge.jar"]
