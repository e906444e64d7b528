// The host on Azure Container Apps: serverless, scales to zero, woken by HTTP traffic or by
// messages waiting on the automations queue (KEDA azure-queue scaler).

param location string

param tags object = {}

@description('Name of the Container Apps managed environment.')
param environmentName string

@description('Name of the container app that runs the host.')
param appName string

@description('Container image of the host (functions/ClientHub.Functions).')
param image string

@description('Name of the Storage account created by storage.bicep; its key never leaves the deployment.')
param storageAccountName string

@description('Port the host listens on inside the container (the PORT setting).')
param targetPort int = 8080

@minValue(0)
param minReplicas int = 0

@minValue(1)
param maxReplicas int = 10

@description('Messages waiting on the automations queue per replica before KEDA adds one.')
param queueLengthPerReplica int = 20

@secure()
@description('Enables POST /api/firms when set (ClientHub__BootstrapToken); empty leaves firm creation disabled.')
param bootstrapToken string = ''

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var storageConnectionString = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${environmentName}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var storageSecret = [
  {
    name: 'storage-connection'
    value: storageConnectionString
  }
]
var bootstrapSecret = empty(bootstrapToken) ? [] : [
  {
    name: 'bootstrap-token'
    value: bootstrapToken
  }
]
var bootstrapEnv = empty(bootstrapToken) ? [] : [
  {
    name: 'ClientHub__BootstrapToken'
    secretRef: 'bootstrap-token'
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  properties: {
    managedEnvironmentId: managedEnvironment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: targetPort
        transport: 'auto'
        allowInsecure: false
      }
      secrets: concat(storageSecret, bootstrapSecret)
    }
    template: {
      containers: [
        {
          name: 'host'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: concat(
            [
              {
                name: 'AzureWebJobsStorage'
                secretRef: 'storage-connection'
              }
              {
                name: 'PORT'
                value: string(targetPort)
              }
            ],
            bootstrapEnv
          )
          probes: [
            {
              type: 'Readiness'
              httpGet: {
                path: '/healthz'
                port: targetPort
              }
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'automations-queue'
            azureQueue: {
              queueName: 'automations'
              queueLength: queueLengthPerReplica
              auth: [
                {
                  secretRef: 'storage-connection'
                  triggerParameter: 'connection'
                }
              ]
            }
          }
          {
            // Jobs re-reading an item linked to them by hand: rare, but a scaled-to-zero app must wake for them.
            name: 'links-queue'
            azureQueue: {
              queueName: 'links'
              queueLength: queueLengthPerReplica
              auth: [
                {
                  secretRef: 'storage-connection'
                  triggerParameter: 'connection'
                }
              ]
            }
          }
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
output environmentId string = managedEnvironment.id
