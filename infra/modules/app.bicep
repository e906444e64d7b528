// One Container App running the host's image in one role (ClientHub__Roles). The three roles share the image, the
// environment and the managed identity, and differ in ingress, scale rules and replica bounds (main.bicep).

@description('Name of the container app.')
param name string

@description('Azure region of the app.')
param location string

@description('Tags put on every resource.')
param tags object

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Resource id of the user-assigned managed identity the app runs as (storage, Key Vault, registry pull).')
param identityId string

@description('Container image of the host.')
param image string

@description('Registry server to pull the image from with the managed identity (it needs AcrPull there); empty for a public image.')
param registryServer string

@description('Port the host listens on inside the container (ASPNETCORE_HTTP_PORTS).')
param targetPort int

@description('True for the http role: external HTTPS ingress to targetPort. The other roles take no traffic.')
param externalIngress bool

@minValue(0)
@description('Replicas kept when idle; 0 scales to zero.')
param minReplicas int

@minValue(1)
@description('Most replicas the scale rules may reach.')
param maxReplicas int

@description('KEDA scale rules (Container Apps scale rule objects).')
param scaleRules resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.template.scale.rules

@description('Environment variables ({ name, value } or { name, secretRef }).')
param env resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.template.containers[*].env

@description('Secrets the env refers to: Key Vault references ({ name, keyVaultUrl, identity }).')
param secrets resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.configuration.secrets

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: externalIngress
        ? {
            external: true
            targetPort: targetPort
            transport: 'auto'
            allowInsecure: false
          }
        : null
      registries: empty(registryServer)
        ? []
        : [
            {
              server: registryServer
              identity: identityId
            }
          ]
      secrets: secrets
    }
    template: {
      // SIGTERM, then this long before SIGKILL: more than the host's 30 s shutdown timeout, in which queue handlers in
      // hand finish (or release their message) and the Durable Task worker stops.
      terminationGracePeriodSeconds: 40
      containers: [
        {
          name: 'host'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: env
          probes: [
            {
              // Storage reachable: the host has started and can do its work.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: targetPort
              }
              periodSeconds: 2
              failureThreshold: 30
            }
            {
              // Tables, queues and containers present (GET /readyz).
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: targetPort
              }
              periodSeconds: 10
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: scaleRules
      }
    }
  }
}

@description('Public host name of the app; empty without ingress.')
output fqdn string = app.properties.?configuration.?ingress.?fqdn ?? ''
